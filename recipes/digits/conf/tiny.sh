# --size tiny: about a minute end to end; used by the test that runs the whole recipe.
train_utts=60; dev_utts=12; test_utts=12
train_speakers=6; dev_speakers=2; test_speakers=2
words_utts=30  # varied-words utterances for the GMM (make-corpus words)
mono_iters=10; mono_gauss=300
tri_iters=4  # train-tri iterations with --triphones true (default: mono_iters)
gmm_decode=false  # --triphones true: no GMM decodes (the DNN decodes cover CD decoding)
arch=2x64; context=3:3; epochs=3; lr=0.001; batch=128; optimizer=adam
transfer_noise=0.5  # distill --transfer-noise (0 = the paper's setup)
average_decay=0.999  # distill/ensemble --average-decay, as the default size
student_min_epochs=3  # distill --newbob-min-epochs (the default size: 7)
student_clean_epochs=1  # distill epochs on the clean frames after the noisy ones (the default size: 5)

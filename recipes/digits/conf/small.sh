# --size small: a few minutes; a quick check that the table has the paper's shape.
train_utts=600; dev_utts=100; test_utts=100
train_speakers=12; dev_speakers=3; test_speakers=3
words_utts=1200  # varied-words utterances for the GMM (make-corpus words)
mono_iters=25; mono_gauss=600
arch=3x256; context=5:5; epochs=6; lr=0.001; batch=256; optimizer=adam
transfer_noise=0.5  # distill --transfer-noise (0 = the paper's setup)
average_decay=0.999  # distill/ensemble --average-decay, as the default size
student_min_epochs=6  # distill --newbob-min-epochs (the default size: 7)
student_clean_epochs=2  # distill epochs on the clean frames after the noisy ones (the default size: 5)

# --size tiny: the first 3 speakers, 2 recordings per digit each (60 in all); used by the
# integration test, about a minute per fold.
max_speakers=3; per_digit=2
dev_set=speaker  # 2 recordings per digit: none has an index ending in 9 to hold out
mono_iters=8; mono_gauss=120
arch=2x64; context=3:3; epochs=3; lr=0.001; batch=128; optimizer=adam
average_decay=0.999
transfer_noise=0  # the paper's student (one phase on the training frames): the fastest for the test
student_candidates="noise0 paper"  # --choose-student dev: the recipe's tiny student and the paper's

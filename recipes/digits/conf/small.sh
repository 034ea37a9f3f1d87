# --size small: a few minutes; a quick check that the table has the paper's shape.
train_utts=600; dev_utts=100; test_utts=100
train_speakers=12; dev_speakers=3; test_speakers=3
mono_iters=25; mono_gauss=600
arch=3x256; context=5:5; epochs=6; lr=0.001; batch=256; optimizer=adam

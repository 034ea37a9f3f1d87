# --size default: every FSDD recording; a fold is 3 training speakers (1,500 recordings, about 11
# minutes of audio) with this 5-speaker copy. The hand run: monophone GMM, 4 members of 3x256.
max_speakers=0; per_digit=0  # all speakers, all recordings
mono_iters=30; mono_gauss=800
arch=3x256; context=5:5; epochs=8; lr=0.001; batch=256; optimizer=adam
average_decay=0.999  # distill/ensemble --average-decay, as the digits recipe
# The student as in the digits recipe: noisy transfer frames (distill --transfer-noise), then a few
# epochs on the clean frames from that model (docs/digits-experiments.md).
transfer_noise=0.5
student_epochs=6; student_min_epochs=6
student_clean_epochs=3

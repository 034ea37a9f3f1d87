#!/usr/bin/env bash
# recipes/fsdd/local/holdout_split.sh ALL TEST_SPEAKER TRAIN_OUT DEV_OUT: the training and dev data
# dirs of a fold whose dev set is held out of the training speakers (run.sh --dev-set holdout):
# every speaker of ALL but TEST_SPEAKER, with the recordings whose FSDD index ends in 9 (every tenth,
# 10%) in DEV_OUT and the rest in TRAIN_OUT. Utterance ids are <speaker>_<digit>_<index>
# (prepare_data.sh). The test speaker stays unseen; dev then measures seen speakers (newbob's
# stopping, the acoustic scale), which lets all other speakers train when the corpus has few.
set -euo pipefail
all=$1 test=$2 train=$3 dev=$4
export LC_ALL=C
split() { # split OUT KEEP(1 = dev)
  rm -rf "$1"
  mkdir -p "$1"
  local f
  for f in wav.scp text utt2spk; do
    awk -v test="$test" -v dev="$2" '{
      n = split($1, a, "_")
      if (n < 3 || a[n] !~ /^[0-9]+$/) { print FILENAME ": " $1 ": not an FSDD utterance id (<speaker>_<digit>_<index>)" > "/dev/stderr"; exit 1 }
      spk = substr($1, 1, length($1) - length(a[n-1]) - length(a[n]) - 2)
      if (spk != test && ((a[n] % 10 == 9) == (dev == 1))) print
    }' "$all/$f" > "$1/$f"
  done
  awk '{u[$2] = u[$2] " " $1} END {for (s in u) print s u[s]}' "$1/utt2spk" | sort -k1,1 > "$1/spk2utt"
  [ -s "$1/utt2spk" ] || { echo "holdout_split.sh: $1 is empty: no recording of the non-test speakers has an index ending in 9 (use --dev-set speaker with fewer than 10 recordings per digit)" >&2; exit 1; }
}
split "$train" 0
split "$dev" 1

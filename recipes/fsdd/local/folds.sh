#!/usr/bin/env bash
# recipes/fsdd/local/folds.sh DATA_DIR [TEST_SPEAKER]: the leave-one-speaker-out folds of DATA_DIR's
# speakers (spk2utt, sorted), one line per fold: "<test> <dev> <train1,train2,...>". Each speaker is
# the test speaker once and the next one (cyclically) is dev; the rest train. With TEST_SPEAKER,
# only that fold (an unknown speaker is an error naming the known ones).
set -euo pipefail
mapfile -t spks < <(cut -d' ' -f1 "$1/spk2utt")
n=${#spks[@]}
if [ "$n" -lt 3 ]; then
  echo "folds.sh: $1 has $n speaker(s); a fold needs a test, a dev and at least one training speaker" >&2
  exit 1
fi
found=
for ((i = 0; i < n; i++)); do
  test=${spks[i]} dev=${spks[(i + 1) % n]} train=
  [ -z "${2:-}" ] || [ "$2" = "$test" ] || continue
  for s in "${spks[@]}"; do [ "$s" = "$test" ] || [ "$s" = "$dev" ] || train=${train:+$train,}$s; done
  echo "$test $dev $train"
  found=1
done
if [ -z "$found" ]; then
  echo "folds.sh: --test-speaker $2 is not a speaker of $1 (speakers: ${spks[*]})" >&2
  exit 1
fi

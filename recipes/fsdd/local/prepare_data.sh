#!/usr/bin/env bash
# recipes/fsdd/local/prepare_data.sh CORPUS OUT [MAX_SPEAKERS] [PER_DIGIT]: one Kaldi data dir OUT of
# the Free Spoken Digit Dataset's CORPUS/recordings/{digit}_{speaker}_{index}.wav (8 kHz mono WAV):
# wav.scp (absolute paths), text (the digit's word), utt2spk, spk2utt. Utterance ids are
# <speaker>_<digit>_<index>, so the speaker is a prefix and Kaldi's sort order holds. Speakers are
# whatever the recordings name (no fixed list); MAX_SPEAKERS keeps the first N in sorted order and
# PER_DIGIT the recordings with index < PER_DIGIT (0 = all), for quick runs.
set -euo pipefail
corpus=$1 out=$2 max_speakers=${3:-0} per_digit=${4:-0}
rec=$corpus/recordings
if [ ! -d "$rec" ]; then
  echo "prepare_data.sh: $rec not found: --corpus must be a directory holding FSDD's recordings/ (git clone https://github.com/Jakobovski/free-spoken-digit-dataset)" >&2
  exit 1
fi
rec=$(cd "$rec" && pwd)
words=(zero one two three four five six seven eight nine)
mkdir -p "$out"
export LC_ALL=C
tmp=$out/.lines
shopt -s nullglob
# No subshell per file: thousands of forks take minutes on a loaded machine.
for f in "$rec"/*.wav; do
  name=${f##*/}
  name=${name%.wav}
  if ! [[ "$name" =~ ^([0-9])_([A-Za-z0-9-]+)_([0-9]+)$ ]]; then
    echo "prepare_data.sh: $f: not an FSDD recording name ({digit}_{speaker}_{index}.wav)" >&2
    exit 1
  fi
  d=${BASH_REMATCH[1]} spk=${BASH_REMATCH[2]} idx=${BASH_REMATCH[3]}
  [ "$per_digit" -eq 0 ] || [ "$idx" -lt "$per_digit" ] || continue
  echo "${spk}_${d}_${idx} $spk $f ${words[$d]}"
done > "$tmp"
[ -s "$tmp" ] || { echo "prepare_data.sh: no recordings in $rec" >&2; exit 1; }
if [ "$max_speakers" -gt 0 ]; then
  keep=$(cut -d' ' -f2 "$tmp" | sort -u | head -n "$max_speakers" | tr '\n' '|')
  awk -v keep="|$keep" 'index(keep, "|" $2 "|")' "$tmp" > "$tmp.1" && mv "$tmp.1" "$tmp"
fi
sort -k1,1 "$tmp" -o "$tmp"
awk '{print $1, $3}' "$tmp" > "$out/wav.scp"
awk '{print $1, $4}' "$tmp" > "$out/text"
awk '{print $1, $2}' "$tmp" > "$out/utt2spk"
awk '{u[$2] = u[$2] " " $1} END {for (s in u) print s u[s]}' "$tmp" | sort -k1,1 > "$out/spk2utt"
rm -f "$tmp"

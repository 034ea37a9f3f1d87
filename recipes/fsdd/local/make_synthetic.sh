#!/usr/bin/env bash
# recipes/fsdd/local/make_synthetic.sh N SEED JOBS FEAT_CONFIG OUT: N synthetic isolated digits in FSDD's
# form, for run.sh --synthetic-train / --synthetic-transfer: eSpeak-NG voices (make-corpus digits,
# one word per utterance, its default noise and gains) in OUT/corpus; OUT/data, a Kaldi data dir of
# those whose word is one of FSDD's ten (make-corpus also says "oh", which FSDD's lexicon lacks, so
# about one in eleven is dropped); OUT/feats, their features with FEAT_CONFIG (8 kHz for FSDD: the
# 16 kHz WAVs are resampled band-limited, features --allow-resample) and per-speaker CMVN.
# Speakers: one per 60 utterances, 1 to 40 (each its own eSpeak voice variant and accent). Speaker and
# utterance ids get the prefix synth<SEED>- (make-corpus names every corpus's train01-0001, ...), so
# that sets of other seeds can join one transfer or training set.
set -euo pipefail
n=$1 seed=$2 jobs=$3 feat_config=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
asr() { node "$root/bin/asr-distill.js" "$@"; }
speakers=$((n / 60)); [ "$speakers" -ge 1 ] || speakers=1; [ "$speakers" -le 40 ] || speakers=40
# make-corpus always writes dev and test too; one utterance each, unused.
asr make-corpus digits "$out/corpus" --train-utts "$n" --train-speakers "$speakers" --dev-utts 1 --test-utts 1 \
  --dev-speakers 1 --test-speakers 1 --max-words 1 --seed "$seed" --jobs "$jobs" --overwrite
src=$out/corpus/train
rm -rf "$out/data"
mkdir -p "$out/data"
export LC_ALL=C
awk '$2 != "oh" {print $1}' "$src/text" > "$out/data/.keep"
for f in text utt2spk wav.scp; do
  # wav.scp paths relative to the corpus's data dir become absolute (the data dir moves).
  awk -v dir="$(cd "$src" && pwd)" -v f="$f" -v p="synth$seed-" 'NR == FNR {keep[$1] = 1; next}
    ($1 in keep) {if (f == "wav.scp" && $2 !~ /^\//) $2 = dir "/" $2; if (f == "utt2spk") $2 = p $2; $1 = p $1; print}' \
    "$out/data/.keep" "$src/$f" > "$out/data/$f"
done
rm "$out/data/.keep"
[ -s "$out/data/text" ] || { echo "make_synthetic.sh: $src has no utterance of FSDD's ten words: use a larger N" >&2; exit 1; }
awk '{u[$2] = u[$2] " " $1} END {for (s in u) print s u[s]}' "$out/data/utt2spk" | sort -k1,1 > "$out/data/spk2utt"
asr validate-data "$out/data"
asr features "$out/data" "$out/feats" --config "$feat_config" --allow-resample --jobs "$jobs" --overwrite
asr compute-cmvn "$out/feats" --per speaker

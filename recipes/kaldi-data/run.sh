#!/usr/bin/env bash
# recipes/kaldi-data: the paper's Table 1 (Hinton, Vinyals & Dean 2015, sec. 4) for any Kaldi data
# directories prepared elsewhere (Kaldi, lhotse, your own scripts): fbank at the data's sample
# rate, monophone GMM and alignment, ensemble, baseline, distilled student, frame accuracy,
# decoding (acoustic scale chosen on dev), report. See docs/own-corpus.md.
#
#   bash recipes/kaldi-data/run.sh --train DIR --dev DIR --test DIR [--lang DIR | --words FILE]
#        [--dict FILE] [--oov-word WORD] [--grammar lm|loop] [--lm-order N] [--members N] [--arch LxW]
#        [--epochs N] [--mono-gauss N] [--temperature T] [--hard-weight W] [--paper-student true|false]
#        [--seed S] [--jobs J]
#        [--stage N] [--stop-stage N] [--exp DIR]
# Without --lang, the lexicon is CMUdict (plus --dict FILE) for the words of the three sets' text, or
# of --words FILE (one word per line). --grammar lm (default): a bigram (--lm-order) trained on the
# training transcripts; loop: any sequence of the lexicon's words. Sizes not given are chosen from
# the training set's duration. Stages: 0 lang, 1 features, 2 mono, 3 ensemble, 4 baseline,
# 5 distill, 6 eval, 7 decode, 8 report.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

train=; dev=; test=
lang_dir=
words=
dict=
oov_word=
grammar=lm
lm_order=2
members=4
arch=
epochs=
mono_gauss=
temperature=2
hard_weight=0.5
seed=1
student_arch=
transfer_noise=0  # the paper's student: soft and hard targets on the training frames as they are
student_clean_epochs=0
# true: also distill $exp/student-paper with distill --setup paper (lib/nnet.sh), a fourth row.
paper_student=false
jobs=2
stage=0
stop_stage=100
exp=exp/kaldi-data
recipe=kaldi-data
help_lines=16
# --lang is lang_dir here (lang is the directory the stages use).
lang_opt=

. "$root/recipes/lib/parse_options.sh"
lang_dir=${lang_opt:-$lang_dir}
for s in train dev test; do
  [ -n "${!s}" ] || { echo "run.sh: --$s DIR is required (a Kaldi data dir with wav.scp, text, utt2spk)" >&2; exit 2; }
  [ -d "${!s}" ] || { echo "run.sh: --$s ${!s}: no such directory" >&2; exit 2; }
done
[ -z "$lang_dir" ] || [ -z "$words" ] || { echo "run.sh: give --lang or --words, not both" >&2; exit 2; }
case $paper_student in true | false) ;; *) echo "run.sh: --paper-student must be true or false, got '$paper_student'" >&2; exit 2 ;; esac
case "$grammar" in lm|loop) ;; *) echo "run.sh: --grammar must be lm or loop, got '$grammar'" >&2; exit 2 ;; esac

# shellcheck source=cmd.sh
. "$here/cmd.sh"
# shellcheck source=../lib/stages.sh
. "$root/recipes/lib/stages.sh"
# shellcheck source=../lib/score.sh
. "$root/recipes/lib/score.sh"
# shellcheck source=../lib/nnet.sh
. "$root/recipes/lib/nnet.sh"
# shellcheck source=../lib/gmm.sh
. "$root/recipes/lib/gmm.sh"

build_cli
mkdir -p "$exp/data" "$exp/conf"
# The stages read $exp/data/{train,dev,test} (lib/score.sh decodes $data/dev and $data/test).
for s in train dev test; do ln -sfn "$(cd "${!s}" && pwd)" "$exp/data/$s"; done
data=$exp/data
feats=$exp/feats
lang=${lang_dir:-$exp/lang}

# Sizes from the training set's duration (frames at a 10 ms shift), where not given.
train_info=$(asr validate-data "$data/train" --json)
frames=$(node -p "Math.round(JSON.parse(process.argv[1]).seconds * 100)" "$train_info")
sample_rate=$(node -e "const r = Object.keys(JSON.parse(process.argv[1]).sampleRates);
if (r.length !== 1) { console.error('run.sh: --train has WAVs at several sample rates (' + r.join(', ') + ' Hz); resample them to one first'); process.exit(1); }
console.log(r[0])" "$train_info")
if [ "$frames" -lt 20000 ]; then # under ~3 minutes: a smoke test
  size=tiny; : "${arch:=2x128}" "${epochs:=4}"; context=3:3; mono_iters=10; mono_max_gauss=300
elif [ "$frames" -lt 500000 ]; then # under ~1.4 hours (FSDD, the digits recipe)
  size=small; : "${arch:=3x256}" "${epochs:=8}"; context=5:5; mono_iters=30; mono_max_gauss=1000
else
  size=large; : "${arch:=4x1024}" "${epochs:=6}"; context=5:5; mono_iters=40; mono_max_gauss=2000
fi
# About 100 frames per Gaussian, up to Kaldi train_mono.sh's totgauss (1000) or twice it for large sets.
: "${mono_gauss:=$(( frames / 100 < 100 ? 100 : (frames / 100 > mono_max_gauss ? mono_max_gauss : frames / 100) ))}"
lr=0.001; batch=256; optimizer=adam; average_decay=0.999
resolve_nnet_options
log "train: $frames frames at $sample_rate Hz -> $size sizes: GMM $mono_gauss Gaussians, $members members of $arch, context $context, up to $epochs epochs"

# Kaldi's fbank conventions: 40 mel bins; at 8 kHz over 40-3800 Hz (egs/swbd), else 20 Hz to Nyquist.
case "$sample_rate" in
  16000) feat_config=features/fbank40.json ;;
  8000) feat_config=features/fbank40-8k.json ;;
  *) feat_config=$exp/conf/fbank40-$sample_rate.json
     node -e "const fs = require('fs'); const c = JSON.parse(fs.readFileSync('features/fbank40.json', 'utf8'));
c.sampleRate = Number(process.argv[2]); fs.writeFileSync(process.argv[1], JSON.stringify(c, null, 2) + '\n')" "$feat_config" "$sample_rate" ;;
esac

if [ "$grammar" = lm ]; then decode_opts=(--lm "$exp/lm/train.${lm_order}g.arpa"); else decode_opts=(--grammar "$lang/grammar.jsgf"); fi

stage_lang() {
  if [ -z "$lang_dir" ]; then
    local input=$words dicts=(--dict cmudict)
    if [ -z "$input" ]; then # every word of the three transcripts (dev and test are force-aligned too)
      input=$exp/lang.local/text
      mkdir -p "$exp/lang.local"
      cat "$data/train/text" "$data/dev/text" "$data/test/text" > "$input"
    fi
    [ -z "$dict" ] || dicts+=(--dict "$dict")
    if ! asr prepare-lang "$input" "$lang" "${dicts[@]}" ${oov_word:+--oov-word "$oov_word"} --overwrite; then
      echo "run.sh: no lexicon for some words (listed above): give their pronunciations with --dict FILE, map them with --oov-word '<unk>', or give a lang dir with --lang" >&2
      return 1
    fi
  fi
  if [ "$grammar" = lm ]; then
    mkdir -p "$exp/lm"
    asr train-lm "$data/train/text" "$exp/lm/train.${lm_order}g.arpa" --order "$lm_order"
  fi
}

stage_report() {
  report "train=$train,dev=$dev,test=$test,lang=$lang,grammar=$grammar,lm_order=$lm_order,train_frames=$frames,sample_rate=$sample_rate,size=$size,members=$members,arch=$arch,context=$context,epochs=$epochs,mono_gauss=$mono_gauss,temperature=$temperature,hard_weight=$hard_weight,seed=$seed,features=$feat_config,paper_student=$paper_student"
}

run_stage 0 lang stage_lang
run_stage 1 features stage_features
run_stage 2 mono stage_mono
run_nnet_stages
log "all stages done; report: $exp/RESULTS.md"

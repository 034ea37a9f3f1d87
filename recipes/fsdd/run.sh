#!/usr/bin/env bash
# recipes/fsdd: the paper's Table 1 (Hinton, Vinyals & Dean 2015, sec. 4) on real speech, the Free
# Spoken Digit Dataset (isolated English digits, 8 kHz), leave-one-speaker-out: each speaker is the
# test speaker once, unseen in training; dev is held out of the others (--dev-set). Per fold: 8 kHz
# fbank, monophone GMM and alignment, ensemble, baseline, student, frame accuracy, decoding, Table 1
# in $exp/fold-<speaker>/RESULTS.md; then every fold's numbers and their mean in $exp/RESULTS.md.
#
#   bash recipes/fsdd/run.sh --corpus DIR [--test-speaker S] [--size tiny|default] [--members N]
#        [--grammar one-digit|digit-loop] [--temperature T] [--hard-weight W] [--paper-student true|false]
#        [--dev-set holdout|speaker] [--norm-vars true|false] [--synthetic-train N] [--synthetic-transfer N]
#        [--choose-student none|dev|first] [--student-candidates "NAME ..."]
#        [--seed S] [--jobs J] [--stage N] [--stop-stage N] [--exp DIR]
# --dev-set holdout (default size): dev is every tenth recording of the non-test speakers, which
# all train (4 of this 5-speaker copy, as the issue's hand run); speaker (tiny): the next speaker
# (sorted, cyclically) is dev and the rest train.
# --synthetic-train N: N synthetic isolated digits (make-corpus digits: eSpeak voices, resampled to
# 8 kHz; local/make_synthetic.sh) join every fold's training set, labelled: the GMM, the alignment
# and every DNN train on them. --synthetic-transfer N: N others (another seed) join only the
# student's transfer set, unlabelled (distill --transfer-extra: the ensemble's soft targets, no
# hard-label term). --size default uses --synthetic-transfer 600 (all five folds, with the clean
# phase: 49% -> 74% of the ensemble's gain recovered; recipes/fsdd/RESULTS.md); 0 turns it off.
# --size default also uses --synthetic-train 1000 (all five folds: every system's WER on the unseen
# speakers falls, the student's most; recipes/fsdd/RESULTS.md); 0 turns it off.
# DIR holds FSDD's recordings/ (git clone https://github.com/Jakobovski/free-spoken-digit-dataset).
# --choose-student dev (needs --dev-set speaker): per fold, distill every --student-candidates
# configuration (the size config's list: noise<R> = transfer noise R, one phase; +sp = the training
# speakers' recordings speed-perturbed by 0.9 and 1.1 join the transfer set, unlabelled; +warp<W> =
# distill --transfer-warp W; +ep<N> = N epochs at a fixed rate (distill --no-newbob) instead of the
# size config's schedule; +clean<N> (last) = then N clean epochs; paper = distill --setup paper;
# e.g. noise0.5+sp+ep12+clean3) and keep as the fold's student the one with the
# highest frame accuracy on the dev speaker, unseen in training and never the test speaker; every
# candidate's numbers and the choice: the fold's RESULTS.md ($exp/fold-<speaker>/student-choice.json).
# --choose-student first (any --dev-set): the first of --student-candidates is the student, fixed
# before any number is seen; the others are distilled, scored and decoded beside it for the record.
# Stages: 0 prepare (data dir, lang, grammars); per fold 1 features, 2 mono, 3 ensemble, 4 baseline,
# 5 distill, 6 eval, 7 decode, 8 report; 9 the folds' average.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

corpus=
test_speaker=
size=default
members=4
grammar=one-digit
temperature=2
hard_weight=0.5
seed=1
student_arch=
student_epochs_opt=
transfer_noise_opt=
student_clean_epochs_opt=
dev_set_opt=
norm_vars_opt=
# true: also distill $exp/student-paper with distill --setup paper (lib/nnet.sh), a fourth row.
paper_student=false
synthetic_train_opt=
synthetic_transfer_opt=
choose_student=none
student_candidates_opt=
student_choice=  # --choose-student dev: the fold's chosen candidate
jobs=2
stage=0
stop_stage=100
exp=exp/fsdd
recipe=fsdd
help_lines=36

. "$root/recipes/lib/parse_options.sh"
[ -n "$corpus" ] || { echo "run.sh: --corpus DIR is required (a directory holding FSDD's recordings/)" >&2; exit 2; }
case $paper_student in true | false) ;; *) echo "run.sh: --paper-student must be true or false, got '$paper_student'" >&2; exit 2 ;; esac
case "$grammar" in one-digit|digit-loop) ;; *) echo "run.sh: --grammar must be one-digit or digit-loop, got '$grammar'" >&2; exit 2 ;; esac
# shellcheck source=/dev/null
. "$here/conf/$size.sh" 2> /dev/null || { echo "run.sh: unknown --size $size (tiny|default)" >&2; exit 2; }
# shellcheck source=cmd.sh
. "$here/cmd.sh"
# Acoustic scales tried on dev: wider than the digits recipe's 0.06..0.14, whose top (0.14) dev
# picked for the student on the first FSDD fold measured; with 0.06..0.30 the picks were 0.06-0.18,
# and with a held-out dev (4 training speakers) the best test scale was the grid's lowest, 0.05.
scale_sweep=0.02:0.3:0.02
# shellcheck source=../lib/stages.sh
. "$root/recipes/lib/stages.sh"
# shellcheck source=../lib/score.sh
. "$root/recipes/lib/score.sh"
# shellcheck source=../lib/nnet.sh
. "$root/recipes/lib/nnet.sh"
# shellcheck source=../lib/gmm.sh
. "$root/recipes/lib/gmm.sh"
dev_set=${dev_set_opt:-${dev_set:-speaker}}
case "$dev_set" in holdout | speaker) ;; *) echo "run.sh: --dev-set must be holdout or speaker, got '$dev_set'" >&2; exit 2 ;; esac
norm_vars=${norm_vars_opt:-${norm_vars:-false}}
case $norm_vars in true | false) ;; *) echo "run.sh: --norm-vars must be true or false, got '$norm_vars'" >&2; exit 2 ;; esac
resolve_nnet_options
config_student_epochs=$student_epochs config_student_newbob=$student_newbob  # candidate_settings starts from them
case $choose_student in none | dev | first) ;; *) echo "run.sh: --choose-student must be none, dev or first, got '$choose_student'" >&2; exit 2 ;; esac
student_candidates=${student_candidates_opt:-${student_candidates:-}}
if [ "$choose_student" != none ]; then
  # A held-out dev set is of the training speakers: it would choose for them, not for an unseen one.
  [ "$choose_student" = first ] || [ "$dev_set" = speaker ] || { echo "run.sh: --choose-student dev needs --dev-set speaker (an unseen dev speaker to choose on)" >&2; exit 2; }
  [ -n "$student_candidates" ] || { echo "run.sh: --choose-student $choose_student needs --student-candidates (none in conf/$size.sh)" >&2; exit 2; }
  for c in $student_candidates; do
    [[ $c =~ ^(paper|noise[0-9.]+(\+sp|\+warp[0-9.]+|\+ep[1-9][0-9]*)*(\+clean[0-9]+)?)$ ]] || { echo "run.sh: --student-candidates: '$c' is not paper or noise<R>[+sp][+warp<W>][+ep<N>][+clean<N>]" >&2; exit 2; }
  done
  distill_stage=stage_distill_choose  # lib/nnet.sh's stage 5
  decode_stage=stage_decode_choose  # and stage 7
fi
synthetic_train=${synthetic_train_opt:-${synthetic_train:-0}}
require_int synthetic_train "$synthetic_train" 0
synthetic_transfer=${synthetic_transfer_opt:-${synthetic_transfer:-0}}
require_int synthetic_transfer "$synthetic_transfer" 0

top=$exp
all=$top/data/all
lang=$top/lang
# FSDD is 8 kHz: Kaldi's default fbank (compute-fbank-feats: 23 mel bins, 20 Hz to Nyquist) at
# 8 kHz. Fewer, wider bins than features/fbank40-8k.json (egs/swbd's 40 over 40-3800 Hz, whose
# lowest centres are ~55 Hz apart against ~95 Hz here, probably close enough to follow a male
# voice's pitch harmonics) generalise better to an unseen speaker here: fold george, one DNN, WER 20.6% (40) -> 17.8% (23); with --norm-vars
# 16.8% -> 15.8%; GMM 25.2% -> 23.4%.
feat_config=${feat_config:-features/fbank23-8k.json}  # a size config may choose another
# Decoding: optional silence, one digit, optional silence (the silence is the decoder's
# --sil-prob), or any number of digits (--grammar digit-loop).
decode_opts=(--grammar "$lang/$grammar.jsgf")

build_cli

stage_prepare() {
  bash "$here/local/prepare_data.sh" "$corpus" "$all" "$max_speakers" "$per_digit"
  asr validate-data "$all"
  mkdir -p "$top/local"
  printf '%s\n' zero one two three four five six seven eight nine > "$top/local/wordlist.txt"
  asr prepare-lang "$top/local/wordlist.txt" "$lang" --dict cmudict --overwrite
  local alts="zero | one | two | three | four | five | six | seven | eight | nine"
  printf '#JSGF V1.0;\ngrammar one_digit;\npublic <utt> = ( %s ) ;\n' "$alts" > "$lang/one-digit.jsgf"
  printf '#JSGF V1.0;\ngrammar digit_loop;\npublic <utt> = ( %s )+ ;\n' "$alts" > "$lang/digit-loop.jsgf"
}

# The synthetic sets (--synthetic-train, --synthetic-transfer): named by size and seed, so that
# another size is made anew rather than a stale one reused.
synth_train=$top/synthetic/train-n$synthetic_train-seed$((seed + 1))
synth_transfer=$top/synthetic/transfer-n$synthetic_transfer-seed$seed
# The transfer set's extra unlabelled features (lib/nnet.sh: distill --transfer-extra).
synth_transfer_extra=
if [ "$synthetic_transfer" -gt 0 ]; then synth_transfer_extra=$synth_transfer/feats; fi
transfer_extra=$synth_transfer_extra
# Training data with synthetic utterances mixes 16 kHz WAVs into the 8 kHz ones (lib/gmm.sh).
if [ "$synthetic_train" -gt 0 ]; then feature_opts=(--allow-resample); fi

stage_split() { # the fold's data dirs: speaker subsets of the corpus
  asr subset-data "$all" "$data/test" --speakers "$test_spk" --overwrite
  local train=$data/train
  [ "$synthetic_train" -eq 0 ] || train=$data/train-fsdd
  if [ "$dev_set" = speaker ]; then
    asr subset-data "$all" "$train" --speakers "$train_spks" --overwrite
    asr subset-data "$all" "$data/dev" --speakers "$dev_spk" --overwrite
  else
    bash "$here/local/holdout_split.sh" "$all" "$test_spk" "$train" "$data/dev"
    asr validate-data "$train"
    asr validate-data "$data/dev"
  fi
  # Dev and test stay FSDD's: only the training set gains the synthetic voices.
  [ "$synthetic_train" -eq 0 ] || asr combine-data "$data/train" "$train" "$synth_train/data" --overwrite
  stage_features
}

# candidate_settings NAME: set the student globals (lib/nnet.sh) to candidate NAME's (--student-candidates):
# transfer_noise, student_clean_epochs, transfer_warp, transfer_extra (+sp adds $feats/train-sp),
# student_epochs and student_newbob (+ep<N>: N epochs, off).
candidate_settings() {
  transfer_noise=0 student_clean_epochs=0 transfer_warp= transfer_extra=$synth_transfer_extra
  student_epochs=$config_student_epochs student_newbob=$config_student_newbob
  [ "$1" != paper ] || return 0
  local part
  for part in ${1//+/ }; do
    case $part in
      noise*) transfer_noise=${part#noise} ;;
      clean*) student_clean_epochs=${part#clean} ;;
      warp*) transfer_warp=${part#warp} ;;
      ep*) student_epochs=${part#ep} student_newbob=off ;;
      sp) transfer_extra="$transfer_extra $feats/train-sp" ;;
    esac
  done
}

# Speed perturbation (Ko et al. 2015; Kaldi's perturb_data_dir_speed_3way.sh factors) of the fold's
# training speakers' FSDD recordings, for the +sp candidates' transfer set: other voices of the same
# speakers (pitch and formants scaled by 0.9 and 1.1), unlabelled. Features with the fold's config
# and per-speaker CMVN, as the other transfer data (sp0.9-<speaker> is a speaker of its own, as in Kaldi).
stage_speed_perturb() {
  local train=$data/train
  [ "$synthetic_train" -eq 0 ] || train=$data/train-fsdd
  asr perturb-speed "$train" "$data/train-sp" --factors 0.9,1.1 --overwrite
  asr features "$data/train-sp" "$feats/train-sp" --config "$feat_config" --jobs "$jobs" --overwrite
  asr compute-cmvn "$feats/train-sp" --per speaker
}

# Stage 5 with --choose-student dev|first: every candidate in $exp/candidates/<name>, scored on dev
# and test; the best on the dev speaker (dev; test for the record only), or the first listed (first),
# copied to $exp/student; then lib/nnet.sh's stage_distill, which keeps that student and adds what
# else is asked (--paper-student).
stage_distill_choose() {
  start_background_scoring
  local c out r
  for c in $student_candidates; do
    out=$exp/candidates/$c
    if [ "$c" = paper ]; then distill_paper_student "$out"; continue; fi
    candidate_settings "$c"
    # X+clean<N> starts from X's model when that is a candidate too (the same command and seed).
    r=$exp/candidates/${c%+clean*}
    if [ "$student_clean_epochs" -gt 0 ] && [ -f "$r/asr-distill.json" ] && [ ! -e "$out-noisy" ]; then cp -r "$r" "$out-noisy"; fi
    distill_student "$out" "$temperature"
  done
  # shellcheck disable=SC2046 # one word per candidate
  eval_systems $(for c in $student_candidates; do echo "candidates/$c"; done)
  local fixed=() how="chosen on dev ($dev_spk)"
  if [ "$choose_student" = first ]; then fixed=(--first) how="fixed in advance"; fi
  student_choice=$(node "$here/local/choose_student.mjs" ${fixed[@]+"${fixed[@]}"} "$exp" $student_candidates)
  log "student $how: $student_choice"
  cat "$exp/student-choice.md"
  rm -rf "$exp/student" "$exp/student-noisy" "$exp/student.tmp"
  cp -r "$exp/candidates/$student_choice" "$exp/student.tmp"
  [ ! -d "$exp/candidates/$student_choice-noisy" ] || cp -r "$exp/candidates/$student_choice-noisy" "$exp/student-noisy"
  mv "$exp/student.tmp" "$exp/student"
  if [ "$paper_student" = true ] && [ -f "$exp/candidates/paper/asr-distill.json" ] && [ ! -e "$exp/student-paper" ]; then
    cp -r "$exp/candidates/paper" "$exp/student-paper"
  fi
  candidate_settings "$student_choice"  # for what stage_distill adds (--sweep)
  stage_distill
}

# Stage 7 with --choose-student dev|first: the systems, then every candidate (the acoustic scale chosen on
# dev as for the systems), so that each candidate's WER fixed on every fold is on record
# (local/pooled_recovery.mjs --student candidates/NAME sums the errors); a few seconds per decode.
stage_decode_choose() {
  stage_decode
  local c
  for c in $student_candidates; do decode_system "$exp/candidates/$c" "candidates_$c"; done
}

stage_report() {
  if [ "$choose_student" != none ]; then
    student_choice=$(json_field "$exp/student-choice.json" chosen)
    candidate_settings "$student_choice"  # the report's settings are the chosen student's
  fi
  report "corpus=FSDD,test_speaker=$test_spk,dev_speaker=$dev_spk,train_speakers=${train_spks//,/ },size=$size,members=$members,grammar=$grammar,temperature=$temperature,hard_weight=$hard_weight,seed=$seed,arch=$arch,student_arch=$student_arch,context=$context,epochs=$epochs,student_epochs=$student_epochs,student_newbob=${student_newbob:-default},student_clean_epochs=$student_clean_epochs,dev_set=$dev_set,norm_vars=$norm_vars,transfer_noise=$transfer_noise,average_decay=${average_decay:-none},mono_gauss=$mono_gauss,features=$feat_config,paper_student=$paper_student,synthetic_train=$synthetic_train,synthetic_transfer=$synthetic_transfer${student_choice:+,student_choice=$student_choice}"
  if [ "$choose_student" != none ]; then tee -a "$exp/RESULTS.md" < "$exp/student-choice.md"; fi
}

stage_average() {
  node "$here/local/average_folds.mjs" "$top" "${fold_dirs[@]}"
  cat "$top/RESULTS.md"
}

exp=$top
run_stage 0 prepare stage_prepare
# Utterance seeds differ (seed + 1 for training, seed for transfer), so the two sets never share one.
if [ "$synthetic_train" -gt 0 ]; then
  run_stage 0 "synthetic-${synth_train##*/}" bash "$here/local/make_synthetic.sh" "$synthetic_train" $((seed + 1)) "$jobs" "$feat_config" "$synth_train"
fi
if [ "$synthetic_transfer" -gt 0 ]; then
  run_stage 0 "synthetic-${synth_transfer##*/}" bash "$here/local/make_synthetic.sh" "$synthetic_transfer" "$seed" "$jobs" "$feat_config" "$synth_transfer"
fi
[ -f "$all/spk2utt" ] || { echo "run.sh: $all not prepared: run stage 0 first" >&2; exit 1; }
fold_list=$(bash "$here/local/folds.sh" "$all" "$test_speaker")
mapfile -t folds <<< "$fold_list"
fold_dirs=()
for fold in "${folds[@]}"; do
  read -r test_spk dev_spk train_spks <<< "$fold"
  # Held-out dev: the dev speaker trains too; the report names the dev set instead of a speaker.
  if [ "$dev_set" = holdout ]; then train_spks=$dev_spk,$train_spks dev_spk=every-10th-of-train; fi
  exp=$top/fold-$test_spk
  data=$exp/data
  feats=$exp/feats
  fold_dirs+=("$exp")
  log "fold test=$test_spk dev=$dev_spk train=$train_spks"
  run_stage 1 features stage_split
  run_stage 2 mono stage_mono
  # Only stage 5's +sp candidates use it (so --stage 5 makes it too).
  if [ "$choose_student" != none ] && [[ " $student_candidates " =~ \+sp[+\ ] ]]; then run_stage 5 speed-perturb stage_speed_perturb; fi
  run_nnet_stages
done
exp=$top
# Not marked done: the folds averaged depend on --test-speaker, so it is redone every run (seconds).
if [ 9 -ge "$stage" ] && [ 9 -le "$stop_stage" ]; then stage_average; fi
log "all stages done; report: $top/RESULTS.md"

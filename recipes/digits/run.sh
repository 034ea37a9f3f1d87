#!/usr/bin/env bash
# recipes/digits: the paper's Table 1 (Hinton, Vinyals & Dean 2015, sec. 4) on the built-in
# synthetic connected-digits corpus: baseline DNN vs ensemble vs distilled student, frame accuracy
# and WER. Staged like a Kaldi/icefall recipe: --stage N --stop-stage N; a stage whose outputs are
# complete (its done-marker exists) is skipped, so a killed run resumes at the stage it was in.
#
#   bash recipes/digits/run.sh [--size tiny|small|default] [--members N] [--temperature T]
#        [--hard-weight W] [--seed S] [--student-arch ARCH] [--student-epochs N] [--transfer-noise R]
#        [--student-clean-epochs N] [--sweep-temperature 1,2,5,10] [--paper-student true|false] [--jobs J] [--stage N]
#        [--stop-stage N] [--exp DIR] [--triphones true|false] [--num-leaves N]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

size=default
members=4
temperature=2
hard_weight=0.5
seed=1
student_arch=
# Also set by the size configs: the option, when given, wins (lib/parse_options.sh, NAME_opt).
student_epochs_opt=
transfer_noise_opt=
student_clean_epochs_opt=
sweep_temperature=
# Also distill a student with the paper's setup (distill --setup paper) into $exp/student-paper:
# its row in Table 1 shows what the noisy transfer frames and the clean phase add. Off by default:
# one such distill took 85 s at --size small (600 utterances, 6 epochs), so about 4 x 7/6 of that
# (~6.5 min) at the default size.
paper_student=false
# DNN targets on tied triphone states: train-tri (--num-leaves tied states; tri_gauss Gaussians,
# tri_iters iterations from the size config, else 4 per state and mono_iters) from the monophone
# alignment, the DNNs then train on its alignments; GMM WERs in the report. The size config chooses
# (default: true; tiny, small: false); the option wins.
triphones=false
triphones_opt=
num_leaves=200
num_leaves_opt=
jobs=2
stage=0
stop_stage=100
exp=exp/digits
recipe=digits
help_lines=10

. "$root/recipes/lib/parse_options.sh"
sweep=$sweep_temperature
case $paper_student in true | false) ;; *) echo "run.sh: --paper-student must be true or false, got '$paper_student'" >&2; exit 2 ;; esac

# shellcheck source=/dev/null
. "$here/conf/$size.sh" || { echo "run.sh: unknown --size $size (tiny|small|default)" >&2; exit 2; }
num_leaves=${num_leaves_opt:-$num_leaves}
triphones=${triphones_opt:-$triphones}
case $triphones in true | false) ;; *) echo "run.sh: --triphones must be true or false, got '$triphones'" >&2; exit 2 ;; esac
# shellcheck source=cmd.sh
. "$here/cmd.sh"
# shellcheck source=../lib/stages.sh
. "$root/recipes/lib/stages.sh"
# shellcheck source=../lib/score.sh
. "$root/recipes/lib/score.sh"
# shellcheck source=../lib/nnet.sh
. "$root/recipes/lib/nnet.sh"
resolve_nnet_options

corpus=data/digits/generated/$size-seed$seed
lang=data/lang/digits
# The varied-words set (make-corpus words): the train speakers saying ordinary words made of the
# digits' phones. The monophone GMM trains on it too, because in digits alone phones such as TH
# (only before R) or Z (only before IH) occur in one context and their boundaries are not
# identifiable (docs/alignment.md); the DNNs and the decoder see only the digits.
words=data/digits/generated/$size-seed$seed-words
words_lang=data/lang/digits-words
feats=$exp/feats
data=$corpus # decode: $data/dev, $data/test (lib/score.sh)

build_cli
# An experiment made before tied states were the default (or with --triphones false) has its DNN
# stages marked done on monophone targets: refuse to mix them with a triphone alignment.
had_triphones=$([ -f "$exp/.done/2-tri" ] && echo true || echo false)
if [ ! -f "$exp/.done/settings" ] && [ -f "$exp/.done/3-ensemble" ] && [ "$had_triphones" != "$triphones" ]; then
  echo "run.sh: $exp holds an experiment whose DNNs were trained with triphones=$had_triphones" >&2
  echo "(made before tied states were the default size's targets); this run asks for triphones=$triphones." >&2
  echo "Give another --exp DIR, remove $exp to start it again, or add --triphones $had_triphones." >&2
  exit 2
fi
same_settings "size=$size seed=$seed triphones=$triphones num_leaves=$([ "$triphones" = true ] && echo "$num_leaves" || echo -)"

stage_corpus() {
  asr make-corpus digits "$corpus" --train-utts "$train_utts" --dev-utts "$dev_utts" --test-utts "$test_utts" \
    --train-speakers "$train_speakers" --dev-speakers "$dev_speakers" --test-speakers "$test_speakers" \
    --seed "$seed" --jobs "$jobs"
  for s in train dev test; do asr validate-data "$corpus/$s"; done
  asr make-corpus words "$words" --train-utts "$words_utts" --train-speakers "$train_speakers" \
    --dev-speakers "$dev_speakers" --test-speakers "$test_speakers" --seed "$seed" --jobs "$jobs"
  asr validate-data "$words/train"
}

stage_features() {
  for s in train dev test; do
    asr features "$corpus/$s" "$feats/$s" --config features/fbank40.json --jobs "$jobs"
    asr compute-cmvn "$feats/$s" --per speaker
  done
  asr features "$words/train" "$feats/words" --config features/fbank40.json --jobs "$jobs"
  asr compute-cmvn "$feats/words" --per speaker
}

stage_mono() {
  asr train-mono "$corpus/train" "$feats/train" "$words_lang" "$exp/mono" --extra "$words/train:$feats/words" \
    --iters "$mono_iters" --total-gauss "$mono_gauss" --jobs "$jobs"
  # The GMM's frame state accuracy (scoring every pdf at every frame) is measured on dev and test
  # only: on train it would cost half a minute and says little.
  asr align "$corpus/train" "$feats/train" "$lang" "$exp/mono" "$exp/ali_train" --jobs "$jobs" --no-state-accuracy
  # With --triphones true the dev and test sets are aligned by the triphone model only (stage 2 tri).
  if [ "$triphones" = false ]; then
    for s in dev test; do
      asr align "$corpus/$s" "$feats/$s" "$lang" "$exp/mono" "$exp/ali_$s" --jobs "$jobs"
    done
  fi
  asr ali-accuracy "$exp/ali_train" "$corpus/train/phones.ctm" --json > "$exp/mono/ali-accuracy.json"
  cat "$exp/mono/ali-accuracy.json"
}

stage_tri() {
  # The monophone alignments move to $exp/mono_ali_* (dev and test exist only in an experiment
  # first run without --triphones): the tree is built from train's, and $exp/ali_* become the
  # triphone model's (the DNN stages' targets).
  local s
  for s in train dev test; do [ -d "$exp/mono_ali_$s" ] || [ ! -d "$exp/ali_$s" ] || mv "$exp/ali_$s" "$exp/mono_ali_$s"; done
  # The tree learns from the varied-words set too (as the monophone GMM trains on it): in the
  # digits alone most phones occur in one or two contexts. The DNNs still see only the digits.
  asr align "$words/train" "$feats/words" "$words_lang" "$exp/mono" "$exp/mono_ali_words" --jobs "$jobs" --no-state-accuracy
  asr train-tri "$corpus/train" "$feats/train" "$words_lang" "$exp/mono_ali_train" "$exp/tri" --num-leaves "$num_leaves" \
    --num-gauss "${tri_gauss:-$((4 * num_leaves))}" --iters "${tri_iters:-$mono_iters}" --jobs "$jobs" \
    --extra "$words/train:$feats/words:$exp/mono_ali_words"
  asr align "$corpus/train" "$feats/train" "$lang" "$exp/tri" "$exp/ali_train" --jobs "$jobs" --no-state-accuracy
  for s in dev test; do asr align "$corpus/$s" "$feats/$s" "$lang" "$exp/tri" "$exp/ali_$s" --jobs "$jobs"; done
  # Both GMMs decoded with the digit loop (the mono GMM's own lang/ has the varied words too);
  # decode_system's up-to-date check knows DNN directories only, so earlier decodes go first.
  # gmm_decode=false (--size tiny, the recipe test) leaves the GMM rows out of the report.
  [ "${gmm_decode:-true}" = true ] || return 0
  rm -rf "$exp"/decode/gmm_mono_* "$exp"/decode/gmm_tri_*
  local decode_opts=(--grammar "$lang/grammar.jsgf")
  decode_system "$exp/mono" gmm_mono
  decode_system "$exp/tri" gmm_tri
}

stage_report() {
  local sweep_label=${sweep//,/ } # --settings is comma-separated
  local tri_label=$triphones
  [ "$triphones" = false ] || tri_label="true (num_leaves $num_leaves)"
  report "size=$size,members=$members,temperature=$temperature,hard_weight=$hard_weight,seed=$seed,arch=$arch,student_arch=$student_arch,context=$context,epochs=$epochs,student_epochs=$student_epochs,student_newbob=${student_newbob:-default},student_min_epochs=${student_min_epochs:-none},student_clean_epochs=$student_clean_epochs,student_clean_lr=$student_clean_lr,words_utts=$words_utts,transfer_noise=$transfer_noise,average_decay=${average_decay:-none},sweep=${sweep_label:-none},paper_student=$paper_student,triphones=$tri_label"
}

run_stage 0 corpus stage_corpus
run_stage 1 features stage_features
run_stage 2 mono stage_mono
if [ "$triphones" = true ]; then run_stage 2 tri stage_tri; fi
run_nnet_stages
# The student as an offline web page, the ensemble beside it on files (docs/deploying.md): open it
# with `npx asr-distill serve $exp/web`.
stage_web() { asr export-web "$exp/student" "$exp/web" --compare "$exp/ensemble"; }
run_stage 9 web stage_web
log "all stages done; report: $exp/RESULTS.md"

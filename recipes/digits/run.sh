#!/usr/bin/env bash
# recipes/digits: the paper's Table 1 (Hinton, Vinyals & Dean 2015, sec. 4) on the built-in
# synthetic connected-digits corpus: baseline DNN vs ensemble vs distilled student, frame accuracy
# and WER. Staged like a Kaldi/icefall recipe: --stage N --stop-stage N; a stage whose outputs are
# complete (its done-marker exists) is skipped, so a killed run resumes at the stage it was in.
#
#   bash recipes/digits/run.sh [--size tiny|small|default] [--members N] [--temperature T]
#        [--hard-weight W] [--seed S] [--student-arch ARCH] [--student-epochs N] [--transfer-noise R]
#        [--student-clean-epochs N] [--sweep-temperature 1,2,5,10] [--jobs J] [--stage N]
#        [--stop-stage N] [--exp DIR]
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
student_epochs_opt=
transfer_noise_opt=
student_clean_epochs_opt=
sweep=
jobs=2
stage=0
stop_stage=100
exp=exp/digits
# Acoustic scales tried on dev: Kaldi's local/score.sh default LM weights 7..17 (acwt 1), i.e.
# acoustic scales 1/17..1/7. A wider grid lets a 1,200-word dev set pick an edge by one or two errors.
scale_sweep=0.06:0.14:0.01

while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    --temperature) temperature=$2; shift 2 ;;
    --hard-weight) hard_weight=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --student-arch) student_arch=$2; shift 2 ;;
    --student-epochs) student_epochs_opt=$2; shift 2 ;;
    --transfer-noise) transfer_noise_opt=$2; shift 2 ;;
    --student-clean-epochs) student_clean_epochs_opt=$2; shift 2 ;;
    --sweep-temperature) sweep=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --exp) exp=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# shellcheck source=/dev/null
. "$here/conf/$size.sh" || { echo "run.sh: unknown --size $size (tiny|small|default)" >&2; exit 2; }
student_arch=${student_arch:-$arch}
# The student's cap on epochs (newbob stops every model earlier when held-out accuracy stalls); the
# size configs may give it more than the members: learning from soft targets keeps improving longer.
student_epochs=${student_epochs_opt:-${student_epochs:-$epochs}}
# Noise added to the transfer frames the teacher labels for the student (distill --transfer-noise;
# 0 = the paper's setup, the training frames as they are). The size configs set the default.
transfer_noise=${transfer_noise_opt:-${transfer_noise:-0}}
# The student's newbob thresholds (empty = the toolkit's default, as for the members).
student_newbob=${student_newbob:-}
student_min_epochs=${student_min_epochs:-}
# Epochs on the clean training frames after the noisy-transfer ones (0 = none), at rate
# student_clean_lr (default a quarter of lr): the size configs set them.
student_clean_epochs=${student_clean_epochs_opt:-${student_clean_epochs:-0}}
[[ "$student_clean_epochs" =~ ^[0-9]+$ ]] || { echo "run.sh: --student-clean-epochs must be an integer >= 0, got '$student_clean_epochs'" >&2; exit 2; }
student_clean_lr=${student_clean_lr:-$(node -p "$lr / 4")}
# Moving average of the weights for every DNN (--average-decay; empty = off): the size configs set it.
average_decay=${average_decay:-}
# The baseline is member 1 and the seed spread is taken over the members, so at least two.
[ "$members" -ge 2 ] 2>/dev/null || { echo "run.sh: --members must be an integer >= 2, got '$members'" >&2; exit 2; }

corpus=data/digits/generated/$size-seed$seed
lang=data/lang/digits
# The varied-words set (make-corpus words): the train speakers saying ordinary words made of the
# digits' phones. The monophone GMM trains on it too, because in digits alone phones such as TH
# (only before R) or Z (only before IH) occur in one context and their boundaries are not
# identifiable (docs/alignment.md); the DNNs and the decoder see only the digits.
words=data/digits/generated/$size-seed$seed-words
words_lang=data/lang/digits-words
feats=$exp/feats
mkdir -p "$exp/.done" "$exp/log"

log() { echo "$(date '+%Y-%m-%d %H:%M:%S') (digits) $*"; }
asr() { node "$root/bin/asr-distill.js" "$@"; }

# run_stage N NAME CMD...: run CMD unless stage N is outside [stage, stop_stage] or already done.
run_stage() {
  local n=$1 name=$2; shift 2
  if [ "$n" -lt "$stage" ] || [ "$n" -gt "$stop_stage" ]; then return 0; fi
  local marker="$exp/.done/$n-$name"
  if [ -f "$marker" ]; then log "stage $n ($name): already done, skipping (rm $marker to redo)"; return 0; fi
  log "stage $n ($name): start"
  local t0=$SECONDS
  "$@"
  log "stage $n ($name): done in $((SECONDS - t0)) s"
  touch "$marker"
}

# The CLI is compiled by `npm ci` (prepare); rebuild so edits to src/ are picked up.
[ -n "${ASR_DISTILL_NO_BUILD:-}" ] || npm run --silent build

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
  for s in dev test; do
    asr align "$corpus/$s" "$feats/$s" "$lang" "$exp/mono" "$exp/ali_$s" --jobs "$jobs"
  done
  asr ali-accuracy "$exp/ali_train" "$corpus/train/phones.ctm" --json > "$exp/mono/ali-accuracy.json"
  cat "$exp/mono/ali-accuracy.json"
}

stage_ensemble() {
  # N DNNs of the same recipe from different seeds, trained in parallel (--jobs): the teacher.
  asr ensemble "$feats/train" "$exp/ali_train" "$exp/ensemble" --members "$members" --arch "$arch" --context "$context" \
    --dev "$feats/dev,$exp/ali_dev" --epochs "$epochs" --lr "$lr" --batch "$batch" --optimizer "$optimizer" \
    --seed $((seed + 100)) ${average_decay:+--average-decay "$average_decay"} --jobs "$jobs"
}

stage_baseline() {
  # The paper's baseline is one DNN trained exactly like each ensemble member (sec. 4), so member 1
  # is the baseline; the other members are the same recipe with other seeds, whose spread the
  # ensemble gain must exceed. Copied (not re-trained) to keep the default run within 30 minutes.
  rm -rf "$exp/baseline.tmp"
  cp -r "$exp/ensemble/member-01" "$exp/baseline.tmp"
  rm -rf "$exp/baseline"
  mv "$exp/baseline.tmp" "$exp/baseline"
}

distill_student() { # distill_student OUT_DIR TEMPERATURE
  local out=$1 first=$1
  # Both phases: the same teacher, targets (T, W), student shape, batches and seed.
  local common=(--arch "$student_arch" --context "$context" --dev "$feats/dev,$exp/ali_dev" --temperature "$2"
    --hard-weight "$hard_weight" ${average_decay:+--average-decay "$average_decay"} --batch "$batch"
    --optimizer "$optimizer" --seed $((seed + 200)) --resume)
  # With a clean phase, the noisy-transfer student is kept beside the final one as OUT_DIR-noisy.
  if [ "$transfer_noise" != 0 ] && [ "${student_clean_epochs:-0}" -gt 0 ]; then first=$1-noisy; fi
  # A single phase on the clean frames uses one core, like the clean phase below: score the other
  # systems meanwhile (the noisy phase keeps both cores busy).
  if [ "$first" = "$out" ] && [ "$out" = "$exp/student" ] && [ "$transfer_noise" = 0 ]; then start_background_scoring; fi
  # Skipped when complete (asr-distill.json is written last), so a resumed stage goes straight on.
  if [ ! -f "$first/asr-distill.json" ]; then
    asr distill "$feats/train" "$exp/ali_train" "$exp/ensemble" "$first" "${common[@]}" --epochs "$student_epochs" --lr "$lr" \
      --transfer-noise "$transfer_noise" ${student_newbob:+--newbob-gains "$student_newbob"} ${student_min_epochs:+--newbob-min-epochs "$student_min_epochs"}
  fi
  [ "$first" != "$out" ] || return 0
  [ "$out" != "$exp/student" ] || start_background_scoring
  # The clean phase: the same soft and hard targets on the training frames as they are (the teacher
  # runs once), a few epochs at a lower fixed rate, starting from the noisy-transfer student. The
  # noise teaches the teacher's function around the frames; this fits it at the frames, the inputs
  # the student is tested on (docs/digits-experiments.md: seed 1, 58.7% -> 86.7% of the gain recovered).
  asr distill "$feats/train" "$exp/ali_train" "$exp/ensemble" "$out" "${common[@]}" --init-from "$first" \
    --epochs "$student_clean_epochs" --lr "$student_clean_lr" --no-newbob
}

stage_distill() {
  distill_student "$exp/student" "$temperature"
  if [ -n "$sweep" ]; then
    for t in ${sweep//,/ }; do distill_student "$exp/sweep/T$t" "$t"; done
  fi
  finish_background_scoring
}

# Stages 6 and 7 for the systems that do not need the student (baseline, ensemble, each member), run
# while the student's last phase trains: that phase uses one core (the teacher's targets are in
# memory), so the other scores and decodes them. At nice 19, so that the student's thread keeps its
# core; one job at a time. Output in $exp/log/background-scoring.log; stages 6 and 7 skip what it
# finished (results newer than their model).
bg_pid=
start_background_scoring() {
  [ -z "$bg_pid" ] && [ "$stop_stage" -ge 7 ] || return 0
  log "scoring and decoding baseline, ensemble and members in the background (log: $exp/log/background-scoring.log)"
  (
    renice -n 19 -p "$BASHPID" > /dev/null 2>&1 || true
    for sys in baseline ensemble; do
      for s in dev test; do eval_one "$sys" "$s"; done
    done
    for sys in baseline ensemble; do decode_system "$exp/$sys" "$sys" 1; done
    decode_members 1
  ) > "$exp/log/background-scoring.log" 2>&1 &
  bg_pid=$!
}

finish_background_scoring() {
  [ -n "$bg_pid" ] || return 0
  local pid=$bg_pid
  bg_pid=
  if ! wait "$pid"; then
    echo "run.sh: background scoring failed; see $exp/log/background-scoring.log" >&2
    return 1
  fi
  log "background scoring done"
}

# A killed or failed run leaves no background job behind (its node children first, then it).
stop_background_scoring() {
  [ -n "$bg_pid" ] || return 0
  pkill -P "$bg_pid" 2> /dev/null || true
  kill "$bg_pid" 2> /dev/null || true
}
trap stop_background_scoring EXIT

systems() {
  echo baseline ensemble student
  if [ -n "$sweep" ]; then for t in ${sweep//,/ }; do echo "sweep/T$t"; done; fi
}

# model_done MODEL_DIR: the file a model directory writes last (its results must be newer).
model_done() {
  if [ -f "$1/ensemble.json" ]; then echo "$1/ensemble.json"; else echo "$1/asr-distill.json"; fi
}

eval_one() { # eval_one SYSTEM SET
  local out=$exp/eval/${1//\//_}_$2.json
  mkdir -p "$exp/eval"
  if [ "$out" -nt "$(model_done "$exp/$1")" ]; then log "eval $1 $2: up to date"; return 0; fi
  asr eval-frames "$exp/$1" "$feats/$2" "$exp/ali_$2" --json > "$out.tmp"
  mv "$out.tmp" "$out"
}

stage_eval() {
  # eval-frames runs in one thread: dev and test of each system side by side, one per core.
  for sys in $(systems); do
    local pids=() s
    for s in dev test; do
      eval_one "$sys" "$s" &
      pids+=($!)
      [ "${#pids[@]}" -lt "$jobs" ] || { wait "${pids[0]}"; pids=("${pids[@]:1}"); }
    done
    for p in "${pids[@]}"; do wait "$p"; done
  done
}

# decode_system MODEL_DIR KEY [JOBS]: pick the acoustic scale on dev (a sweep, as Kaldi's score.sh
# picks the LM weight), then decode test with that scale only, so the test WER is not tuned on test.
# Skipped when both decodes are newer than the model (decode.json is written last).
decode_system() {
  local model=$1 key=$2 j=${3:-$jobs} scale done
  done=$(model_done "$model")
  if [ "$exp/decode/${key}_dev/decode.json" -nt "$done" ] && [ "$exp/decode/${key}_test/decode.json" -nt "$done" ]; then
    log "decode $key: up to date"
    return 0
  fi
  asr decode "$model" "$corpus/dev" "$exp/decode/${key}_dev" --feats "$feats/dev" --acoustic-scale "$scale_sweep" --jobs "$j"
  scale=$(node -p "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')).acousticScale" "$exp/decode/${key}_dev/decode.json")
  asr decode "$model" "$corpus/test" "$exp/decode/${key}_test" --feats "$feats/test" --acoustic-scale "$scale" --jobs "$j"
}

# decode_members [JOBS]: each ensemble member alone, for the report's mean-of-members WER.
decode_members() {
  local m
  for m in "$exp"/ensemble/member-*/; do
    m=$(basename "$m")
    decode_system "$exp/ensemble/$m" "ensemble_$m" "$@"
  done
}

stage_decode() {
  for sys in $(systems); do decode_system "$exp/$sys" "${sys//\//_}"; done
  decode_members
}

stage_report() {
  local sweep_label=${sweep//,/ } # --settings is comma-separated
  asr report "$exp" --settings "size=$size,members=$members,temperature=$temperature,hard_weight=$hard_weight,seed=$seed,arch=$arch,student_arch=$student_arch,context=$context,epochs=$epochs,student_epochs=$student_epochs,student_newbob=${student_newbob:-default},student_min_epochs=${student_min_epochs:-none},student_clean_epochs=$student_clean_epochs,student_clean_lr=$student_clean_lr,words_utts=$words_utts,transfer_noise=$transfer_noise,average_decay=${average_decay:-none},sweep=${sweep_label:-none}"
  cat "$exp/RESULTS.md"
}

run_stage 0 corpus stage_corpus
run_stage 1 features stage_features
run_stage 2 mono stage_mono
run_stage 3 ensemble stage_ensemble
run_stage 4 baseline stage_baseline
run_stage 5 distill stage_distill
run_stage 6 eval stage_eval
run_stage 7 decode stage_decode
run_stage 8 report stage_report
log "all stages done; report: $exp/RESULTS.md"

# recipes/lib/score.sh: scoring the paper's systems (frame accuracy, decoding with the acoustic
# scale chosen on dev, background scoring while the student trains) and the Table 1 report. Source
# after lib/stages.sh, and set:
#   exp         experiment dir: models in $exp/<system>, alignments $exp/ali_{dev,test};
#               writes $exp/eval/, $exp/decode/, $exp/RESULTS.md
#   feats       features $feats/{dev,test};  data   Kaldi data dirs $data/{dev,test} (decode)
#   jobs stop_stage; scale_sweep (decode --acoustic-scale a:b:step tried on dev)
#   optional: decode_opts (array: extra decode options, e.g. --grammar G or --lm LM), sweep
# Stages 6 and 7 of every recipe are stage_eval and stage_decode.

# Kaldi's local/score.sh default LM weights 7..17 (acwt 1), i.e. acoustic scales 1/17..1/7, widened
# so that a small dev set does not pick an edge of the grid by one or two errors.
scale_sweep=${scale_sweep:-0.06:0.14:0.01}
decode_opts=(${decode_opts[@]+"${decode_opts[@]}"})

systems() {
  echo baseline ensemble student
  if [ -d "$exp/student-paper" ]; then echo student-paper; fi
  if [ -n "${sweep:-}" ]; then for t in ${sweep//,/ }; do echo "sweep/T$t"; done; fi
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

# eval_systems SYSTEM...: dev and test frame accuracy of each (eval_one); eval-frames runs in one
# thread, so dev and test of a system side by side, one per core.
eval_systems() {
  local sys
  for sys in "$@"; do
    local pids=() s
    for s in dev test; do
      eval_one "$sys" "$s" &
      pids+=($!)
      [ "${#pids[@]}" -lt "$jobs" ] || { wait "${pids[0]}"; pids=("${pids[@]:1}"); }
    done
    for p in "${pids[@]}"; do wait "$p"; done
  done
}

stage_eval() {
  # shellcheck disable=SC2046 # one word per system
  eval_systems $(systems)
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
  asr decode "$model" "$data/dev" "$exp/decode/${key}_dev" --feats "$feats/dev" --acoustic-scale "$scale_sweep" --jobs "$j" \
    ${decode_opts[@]+"${decode_opts[@]}"}
  scale=$(json_field "$exp/decode/${key}_dev/decode.json" acousticScale)
  asr decode "$model" "$data/test" "$exp/decode/${key}_test" --feats "$feats/test" --acoustic-scale "$scale" --jobs "$j" \
    ${decode_opts[@]+"${decode_opts[@]}"}
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
  local sys
  for sys in $(systems); do decode_system "$exp/$sys" "${sys//\//_}"; done
  decode_members
}

# Stages 6 and 7 for the systems that do not need the student (baseline, ensemble, each member), run
# while the student's last phase trains: that phase uses one core (the teacher's targets are in
# memory), so the other scores and decodes them. At nice 19, so that the student's thread keeps its
# core; one job at a time. Output in $exp/log/background-scoring.log; stages 6 and 7 skip what it
# finished (results newer than their model).
bg_pid=
start_background_scoring() {
  [ -z "$bg_pid" ] && [ "$stop_stage" -ge 7 ] || return 0
  mkdir -p "$exp/log"
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
    echo "$(basename "$0"): background scoring failed; see $exp/log/background-scoring.log" >&2
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

# report SETTINGS: the paper's Table 1 for $exp (RESULTS.md, results.json, plots); SETTINGS is
# report --settings' comma-separated k=v list.
report() {
  asr report "$exp" --settings "$1"
  cat "$exp/RESULTS.md"
}

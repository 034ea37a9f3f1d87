# recipes/lib/stages.sh: numbered stages with done-markers, resume and per-stage logs (the part of
# Kaldi's steps/ and utils/ every recipe repeats). Source after setting:
#   root        the project root (bin/asr-distill.js)
#   recipe      the recipe's name, for log lines ("digits", "fsdd", ...)
#   stage, stop_stage   run only stages in [stage, stop_stage] (icefall's --stage/--stop-stage)
#   exp         the experiment directory of the stages that follow (may change between calls, e.g.
#               one per fold): markers in $exp/.done/, logs in $exp/log/<n>-<name>.log
# A stage whose done-marker exists is skipped, so a killed run resumes at the stage it was in.

log() { echo "$(date '+%Y-%m-%d %H:%M:%S') ($recipe) $*"; }
asr() { node "$root/bin/asr-distill.js" "$@"; }

# run_stage N NAME CMD...: run CMD unless stage N is outside [stage, stop_stage] or already done.
# CMD's output goes to the terminal and to $exp/log/N-NAME.log (appended, so a resumed stage keeps
# the failed attempt's output above the new one).
run_stage() {
  local n=$1 name=$2; shift 2
  if [ "$n" -lt "$stage" ] || [ "$n" -gt "$stop_stage" ]; then return 0; fi
  mkdir -p "$exp/.done" "$exp/log"
  local marker="$exp/.done/$n-$name" logf="$exp/log/$n-$name.log"
  if [ -f "$marker" ]; then log "stage $n ($name): already done, skipping (rm $marker to redo)"; return 0; fi
  log "stage $n ($name): start (log: $logf)"
  echo "# $(date '+%Y-%m-%d %H:%M:%S') stage $n ($name)" >> "$logf"
  local t0=$SECONDS
  # In this shell (not a pipeline's subshell), so a stage may set variables (e.g. a background job).
  "$@" > >(tee -a "$logf") 2> >(tee -a "$logf" >&2)
  log "stage $n ($name): done in $((SECONDS - t0)) s"
  touch "$marker"
}

# The CLI is compiled by `npm ci` (prepare); rebuild so edits to src/ are picked up.
build_cli() {
  [ -n "${ASR_DISTILL_NO_BUILD:-}" ] || (cd "$root" && npm run --silent build)
}

# require_int NAME VALUE MIN: exit with a usage error unless VALUE is an integer >= MIN.
require_int() {
  if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -lt "$3" ]; then
    echo "$(basename "$0"): --${1//_/-} must be an integer >= $3, got '$2'" >&2; exit 2
  fi
}

# json_field FILE FIELD: print one top-level field of a JSON file (e.g. decode.json's acousticScale).
json_field() {
  node -p "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))[process.argv[2]]" "$1" "$2"
}

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
  local t0=$SECONDS cpu TIMEFORMAT='%3U %3S'
  # In this shell (not a pipeline's subshell), so a stage may set variables (e.g. a background job).
  # bash's `time` gives the user and sys CPU seconds of the processes the stage waited for (a
  # background job counts in the stage that waits for it): on a loaded machine CPU, not wall, is
  # the figure to compare.
  # (fd 3: the terminal's stderr, for the stage's own; `time` writes its line to $logf.cpu.)
  { time "$@" > >(tee -a "$logf") 2> >(tee -a "$logf" >&3); } 3>&2 2> "$logf.cpu"
  read -r -a cpu < "$logf.cpu" && rm -f "$logf.cpu"
  log "stage $n ($name): done in $((SECONDS - t0)) s wall, ${cpu[0]} s user + ${cpu[1]} s sys CPU" | tee -a "$logf"
  touch "$marker"
}

# same_settings "KEY=VALUE ...": the settings an experiment's finished stages depend on (corpus
# size and seed, the kind of alignment targets), kept in $exp/.done/settings by the first run. A
# later run into the same $exp with other settings would skip the stages already marked done and
# mix the two experiments' outputs, so it is refused with what to do instead.
same_settings() {
  local file="$exp/.done/settings"
  mkdir -p "$exp/.done"
  if [ ! -f "$file" ]; then echo "$1" > "$file"; return 0; fi
  local before; before=$(cat "$file")
  [ "$before" = "$1" ] && return 0
  echo "$(basename "$0"): $exp holds an experiment made with other settings:" >&2
  echo "  there:    $before" >&2
  echo "  this run: $1" >&2
  echo "Give another --exp DIR, or remove $exp to start it again." >&2
  exit 2
}

# The CLI is compiled by `npm ci` (prepare); rebuilt when a file of src/ or a tsconfig is newer than
# the last build, so edits to src/ are picked up. A no-op `tsc --incremental` still costs ~5 CPU s per
# call (a recipe test calls this up to four times), and recipes run side by side (the tests) build one
# at a time (flock), so none runs the CLI while another tsc rewrites dist/.
cli_stale() {
  [ ! -f "$root/dist/.build-stamp" ] ||
    [ -n "$(find "$root/src" "$root"/tsconfig*.json -newer "$root/dist/.build-stamp" -print -quit)" ]
}
build_cli() {
  [ -z "${ASR_DISTILL_NO_BUILD:-}" ] && cli_stale || return 0
  mkdir -p "$root/dist"
  (
    flock 9
    cli_stale || exit 0
    # Stamped with the time the build started: a file saved during the build is newer, so rebuilt next time.
    touch "$root/dist/.build-stamp.tmp"
    (cd "$root" && npm run --silent build) && mv "$root/dist/.build-stamp.tmp" "$root/dist/.build-stamp"
  ) 9> "$root/dist/.build.lock"
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

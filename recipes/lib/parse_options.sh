# recipes/lib/parse_options.sh: Kaldi's utils/parse_options.sh for our recipes. Source it after the
# recipe has set the defaults of its options: `--foo-bar VALUE` sets the shell variable foo_bar,
# which must already exist (an unknown option is an error, not a silently new variable). When the
# recipe also declares foo_bar_opt, the option goes there instead: that is for variables a size
# config sets later (conf/<size>.sh), where the recipe then takes ${foo_bar_opt:-$foo_bar}.
# `-h|--help` prints the script's header comment (its lines 2 .. help_lines, default 10).
#
#   stage=0; exp=exp/mine
#   . recipes/lib/parse_options.sh   # run.sh --stage 3 --exp /tmp/x

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n "2,${help_lines:-10}p" "$0"; exit 0 ;;
    --*)
      __name=${1#--}
      __var=${__name//-/_}
      if declare -p "${__var}_opt" > /dev/null 2>&1; then __var=${__var}_opt; fi
      if ! declare -p "$__var" > /dev/null 2>&1 || [[ ! "$__var" =~ ^[a-z_][a-z0-9_]*$ ]]; then
        echo "$(basename "$0"): unknown option $1 (see --help)" >&2; exit 2
      fi
      if [ $# -lt 2 ]; then echo "$(basename "$0"): option $1 needs a value" >&2; exit 2; fi
      printf -v "$__var" '%s' "$2"
      shift 2 ;;
    *) echo "$(basename "$0"): unexpected argument '$1' (options are --name value; see --help)" >&2; exit 2 ;;
  esac
done
unset __name __var

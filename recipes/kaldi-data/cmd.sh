# Where the recipe's parallel jobs run: the digits recipe's cmd.sh (ASR_DISTILL_CMD, ASR_DISTILL_SLURM_OPTS;
# docs/cluster.md), shared so that one place says where this machine's jobs go.
# shellcheck source=../digits/cmd.sh
. "$(dirname "${BASH_SOURCE[0]}")/../digits/cmd.sh"

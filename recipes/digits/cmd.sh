# Where the recipe's parallel jobs run, like a Kaldi recipe's cmd.sh; sourced by run.sh. Every
# asr-distill command with --jobs (make-corpus, features, train-mono, align, ensemble, decode) takes
# its --cmd and --slurm-opts defaults from these variables (docs/cluster.md).
#   local  worker threads on this machine (the default)
#   slurm  one Slurm batch job per job (sbatch), extra sbatch options in ASR_DISTILL_SLURM_OPTS;
#          needs a filesystem shared with the compute nodes and the same Node and project path there
# Set them in the environment, or edit here, e.g.:
#   export ASR_DISTILL_CMD=slurm
#   export ASR_DISTILL_SLURM_OPTS="--partition=cpu --mem=4G --time=4:00:00"
export ASR_DISTILL_CMD=${ASR_DISTILL_CMD:-local}
if [ -n "${ASR_DISTILL_SLURM_OPTS:-}" ]; then export ASR_DISTILL_SLURM_OPTS; fi

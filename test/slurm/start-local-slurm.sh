#!/usr/bin/env bash
# Start a one-node Slurm on this machine for the Slurm integration test (test/slurm/) and CI:
# installs Debian's slurmd, slurmctld, slurm-client and munge when missing, writes a slurm.conf
# whose only node is this host, starts munged, slurmctld and slurmd unless they run, and waits
# until `sinfo` shows the node idle. Idempotent; needs root (CI and developer machines run as root).
# Usage: bash test/slurm/start-local-slurm.sh   (env SLURM_WAIT_SEC: how long to wait, default 60)
set -euo pipefail

log() { echo "start-local-slurm: $*" >&2; }
die() { log "$*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (installs packages and starts the Slurm daemons)"

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurmd slurmctld slurm-client munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurmd slurmctld slurm-client munge; } >"$apt_log" 2>&1 </dev/null; then
    tail -n 20 "$apt_log" >&2
    die "apt-get install slurmd slurmctld slurm-client munge failed (output above)"
  fi
  rm -f "$apt_log"
fi

node=$(hostname -s)
cpus=$(nproc)
# Slurm refuses a node whose RealMemory exceeds what slurmd measures: leave a margin.
mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
conf_dir=/etc/slurm
conf=$conf_dir/slurm.conf
mkdir -p "$conf_dir" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
chown slurm:slurm /var/spool/slurmctld /var/log/slurm 2>/dev/null || true

want=$(cat <<CONF
# One-node Slurm written by test/slurm/start-local-slurm.sh (asr-distill tests).
ClusterName=asr-distill-test
SlurmctldHost=$node
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
# Containers without cgroup delegation: track processes by parent pid, no task confinement.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=300
NodeName=$node CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
)
changed=0
if [[ ! -f $conf ]] || [[ "$(cat "$conf")" != "$want" ]]; then
  printf '%s\n' "$want" >"$conf"
  changed=1
fi

if [[ ! -s /etc/munge/munge.key ]]; then
  log "creating a munge key"
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key

running() { pgrep -x "$1" >/dev/null; }

if ! running munged; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
fi
if [[ $changed -eq 1 ]] && running slurmctld; then
  log "slurm.conf changed: reconfiguring"
  scontrol reconfigure || true
fi
if ! running slurmctld; then
  log "starting slurmctld"
  /usr/sbin/slurmctld || die "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
fi
if ! running slurmd; then
  log "starting slurmd"
  /usr/sbin/slurmd || die "slurmd did not start (see /var/log/slurm/slurmd.log)"
fi

wait_sec=${SLURM_WAIT_SEC:-60}
for ((i = 0; i < wait_sec; i++)); do
  state=$(sinfo --noheader --nodes="$node" --format=%T 2>/dev/null | head -n1 || true)
  case $state in
    idle | mixed | allocated) log "node $node is $state"; exit 0 ;;
    down* | drain* | fail*) scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 1
done
die "node $node not idle after ${wait_sec}s (sinfo state: '${state:-none}'); see /var/log/slurm/slurmctld.log and slurmd.log"

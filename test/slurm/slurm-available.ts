// Whether the Slurm tests can run here: sbatch on PATH and an idle node (test/slurm/start-local-slurm.sh).
import { spawnSync } from 'node:child_process';

/** A reason to skip the Slurm tests, or false when a Slurm with an idle node answers. */
export function slurmSkipReason(): string | false {
  const v = spawnSync('sbatch', ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return 'no Slurm here (sbatch not found); start one with: sudo bash test/slurm/start-local-slurm.sh';
  const s = spawnSync('sinfo', ['--noheader', '--format=%T'], { encoding: 'utf8', timeout: 10_000 });
  const states = (s.stdout ?? '').split('\n').map((l) => l.trim());
  if (s.status !== 0 || !states.some((st) => st === 'idle' || st === 'mixed')) {
    return `no idle Slurm node (sinfo: ${(s.stdout || s.stderr || '').trim() || 'no answer'}); start one with: sudo bash test/slurm/start-local-slurm.sh`;
  }
  return false;
}

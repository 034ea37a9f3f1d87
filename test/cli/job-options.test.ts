import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { jobBackend } from '../../src/cli/job-options.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';

test('jobBackend: local leaves the stage default; slurm names the log directory, job name and sbatch options', () => {
  assert.equal(jobBackend({ cmd: 'local', slurmOpts: '--mem=1G' }, 'exp/x/log', 'align'), undefined);
  assert.deepEqual(jobBackend({ cmd: 'slurm' }, 'exp/x/log', 'align'), { kind: 'slurm', logDir: path.resolve('exp/x/log'), name: 'align' });
  assert.deepEqual(jobBackend({ cmd: 'slurm', slurmOpts: '--mem=1G' }, '/e/log', 'decode'), { kind: 'slurm', logDir: '/e/log', name: 'decode', sbatchOptions: '--mem=1G' });
});

test('every command with --jobs has --cmd and --slurm-opts; a bad --cmd is a usage error', async () => {
  for (const cmd of ['features', 'align', 'train-mono', 'train-tri', 'decode', 'ensemble', 'make-corpus']) {
    const help = (await runCli(cmd, '--help')).stdout.replace(/\s+/g, ' ');
    assert.match(help, /--cmd <where> .*\(choices: local, slurm, default: local, env: ASR_DISTILL_CMD\)/, cmd);
    assert.match(help, /--slurm-opts <options> .*\(env: ASR_DISTILL_SLURM_OPTS\)/, cmd);
  }
  const bad = await runCli('features', 'data', 'feats', '--cmd', 'pbs');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /option '--cmd <where>' argument 'pbs' is invalid\. Allowed choices are local, slurm\./);
});

test('ASR_DISTILL_CMD and ASR_DISTILL_SLURM_OPTS are the defaults; an sbatch that refuses the job fails the command', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'job-options-'));
  const saved = { cmd: process.env.ASR_DISTILL_CMD, opts: process.env.ASR_DISTILL_SLURM_OPTS };
  try {
    await fs.writeFile(path.join(dir, 'a.wav'), encodeWavPcm16(new Float32Array(1600), 16000));
    await writeDataDir(path.join(dir, 'data'), [{ uttId: 'u1', speakerId: 's1', wav: path.join(dir, 'a.wav') }]);
    process.env.ASR_DISTILL_CMD = 'slurm';
    process.env.ASR_DISTILL_SLURM_OPTS = '--no-such-sbatch-option';
    const r = await runCli('features', path.join(dir, 'data'), path.join(dir, 'feats'), '--jobs', '1');
    assert.equal(r.code, 1);
    // Without Slurm: sbatch is not found; with it: sbatch refuses the option. Either way the
    // message names the job and the options.
    assert.match(r.stderr, /^asr-distill features: --cmd slurm: could not submit features\.1: .*\(sbatch options: --no-such-sbatch-option\)\n$/s);
  } finally {
    for (const [k, v] of [['ASR_DISTILL_CMD', saved.cmd], ['ASR_DISTILL_SLURM_OPTS', saved.opts]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await fs.rm(dir, { recursive: true, force: true });
  }
});

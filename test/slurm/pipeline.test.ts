// The pipeline with `--cmd slurm` on a real (one-node) Slurm, against the local backend on a tiny
// generated corpus (issue 25): features and alignments byte for byte, decoding hypotheses, and a
// 2-member ensemble weight for weight; a failing job is reported with its log and a rerun submits
// only the job that failed (also for align's scratch files over --max-memory-frames). Skipped, saying why, where no Slurm answers (start-local-slurm.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../cli/run-cli.js';
import type { JobSpecFile } from '../../src/jobs/job-files.js';
import { slurmSkipReason } from './slurm-available.js';

const skip = slurmSkipReason();
const repo = path.resolve(import.meta.dirname, '../..');

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(...args);
  assert.equal(r.code, 0, `${args.join(' ')}:\n${r.stderr}`);
  return r;
}

async function sameBytes(a: string, b: string): Promise<void> {
  assert.ok((await fs.readFile(a)).equals(await fs.readFile(b)), `${a} and ${b} differ`);
}

const jobId = async (logDir: string, name: string) => (JSON.parse(await fs.readFile(path.join(logDir, 'q', `${name}.json`), 'utf8')) as JobSpecFile).slurmJobId;

test('features, align, decode and ensemble with --cmd slurm match the local backend', { skip, timeout: 600_000 }, async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'slurm-pipeline-'));
  const at = (...p: string[]) => path.join(root, ...p);
  const slurm = ['--cmd', 'slurm', '--slurm-opts', "--time=10 --comment='asr-distill test'"];
  try {
    await cli('make-corpus', 'digits', at('corpus'), '--train-utts', '8', '--dev-utts', '1', '--test-utts', '1', '--train-speakers', '2', '--dev-speakers', '1', '--test-speakers', '1', '--max-words', '3', '--seed', '3', '--jobs', '2', '--cmd', 'local');
    const data = at('corpus', 'train');
    const lang = path.join(repo, 'data/lang/digits');

    await cli('features', data, at('feats-local'), '--jobs', '2', '--cmd', 'local');
    const fs2 = await cli('features', data, at('feats-slurm'), '--jobs', '2', ...slurm);
    assert.match(fs2.stdout, /features: 8 utts, .* \(2 shards\)/);
    for (const f of ['feats.1.arrow', 'feats.2.arrow', 'feats.json']) await sameBytes(at('feats-local', f), at('feats-slurm', f));
    assert.match(await fs.readFile(at('feats-slurm', 'log', 'features.1.log'), 'utf8'), /# features\.1: extractShards .* done in/s);
    assert.match(await fs.readFile(at('feats-slurm', 'log', 'q', 'features.1.sh'), 'utf8'), /--comment='asr-distill test'/);

    await cli('train-mono', data, at('feats-local'), lang, at('mono'), '--iters', '3', '--total-gauss', '60', '--jobs', '2', '--cmd', 'local');
    await cli('align', data, at('feats-local'), lang, at('mono'), at('ali-local'), '--jobs', '2', '--cmd', 'local');
    await cli('align', data, at('feats-local'), lang, at('mono'), at('ali-slurm'), '--jobs', '2', ...slurm);
    await sameBytes(at('ali-local', 'ali.arrow'), at('ali-slurm', 'ali.arrow'));
    assert.match(await fs.readFile(at('ali-slurm', 'log', 'align.1.log'), 'utf8'), /processShard .* done in/s);
    const aliInfo = async (d: string) => JSON.parse(await fs.readFile(at(d, 'ali.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(await aliInfo('ali-slurm'), await aliInfo('ali-local'));

    const dec = ['--feats', at('feats-local'), '--jobs', '2'];
    await cli('decode', at('mono'), data, at('dec-local'), ...dec, '--cmd', 'local');
    await cli('decode', at('mono'), data, at('dec-slurm'), ...dec, ...slurm);
    await sameBytes(at('dec-local', 'hyp.txt'), at('dec-slurm', 'hyp.txt'));
    assert.match(await fs.readFile(at('dec-slurm', 'log', 'decode.2.log'), 'utf8'), /decodeShard .* done in/s);

    const ens = ['--members', '2', '--arch', '1x16', '--context', '1:1', '--epochs', '1', '--batch', '64', '--backend', 'wasm', '--jobs', '2'];
    await cli('ensemble', at('feats-local'), at('ali-local'), at('ens-local'), ...ens, '--cmd', 'local');
    await cli('ensemble', at('feats-local'), at('ali-local'), at('ens-slurm'), ...ens, ...slurm);
    assert.match(await fs.readFile(at('ens-slurm', 'log', 'ensemble.2.log'), 'utf8'), /trainJob .* done in/s);
    for (const m of ['member-01', 'member-02']) await sameBytes(at('ens-local', m, 'weights.bin'), at('ens-slurm', m, 'weights.bin'));
    assert.ok(!(await fs.readFile(at('ens-slurm', 'member-01', 'weights.bin'))).equals(await fs.readFile(at('ens-slurm', 'member-02', 'weights.bin'))), 'the two seeds give two different members');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('a failing Slurm job fails the command with its log path; the rerun redoes only that job (also align over --max-memory-frames, its scratch files)', { skip, timeout: 300_000 }, async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'slurm-rerun-'));
  const at = (...p: string[]) => path.join(root, ...p);
  try {
    await cli('make-corpus', 'digits', at('corpus'), '--train-utts', '4', '--dev-utts', '1', '--test-utts', '1', '--train-speakers', '2', '--dev-speakers', '1', '--test-speakers', '1', '--max-words', '2', '--seed', '4', '--jobs', '2', '--cmd', 'local');
    const data = at('corpus', 'train');
    // The last utterance goes to the second job (shards are contiguous runs of the sorted list).
    const last = (await fs.readFile(path.join(data, 'wav.scp'), 'utf8')).trim().split('\n').at(-1)!.split(' ');
    const wav = path.resolve(data, last[1]);
    const good = await fs.readFile(wav);
    await fs.writeFile(wav, 'not a wav file');
    const r = await runCli('features', data, at('feats'), '--jobs', '2', '--cmd', 'slurm');
    assert.equal(r.code, 1);
    const logDir = at('.feats.partial', 'log');
    assert.match(r.stderr, new RegExp(`^asr-distill features: .*${last[0]}.*\\(Slurm job \\d+ features\\.2; log ${logDir}/features\\.2\\.log\\)\\n$`, 's'));
    assert.match(await fs.readFile(path.join(logDir, 'features.2.log'), 'utf8'), /features\.2: failed after/);
    const ids = [await jobId(logDir, 'features.1'), await jobId(logDir, 'features.2')];

    await fs.writeFile(wav, good);
    await cli('features', data, at('feats'), '--jobs', '2', '--cmd', 'slurm');
    await cli('features', data, at('feats-local'), '--jobs', '2', '--cmd', 'local');
    assert.equal(await jobId(at('feats', 'log'), 'features.1'), ids[0], 'the job that had finished was not submitted again');
    assert.notEqual(await jobId(at('feats', 'log'), 'features.2'), ids[1]);
    for (const f of ['feats.1.arrow', 'feats.2.arrow', 'feats.json']) await sameBytes(at('feats-local', f), at('feats', f));

    // align with the corpus in scratch files (over --max-memory-frames): the same bytes as local,
    // and a rerun after a kill takes the finished job's result (--jobs 1: two shards, two jobs).
    const lang = path.join(repo, 'data/lang/digits');
    const spilled = ['--jobs', '1', '--cmd', 'slurm', '--max-memory-frames', '1'];
    await cli('train-mono', data, at('feats'), lang, at('mono'), '--iters', '2', '--total-gauss', '40', '--jobs', '1', '--cmd', 'local');
    await cli('align', data, at('feats'), lang, at('mono'), at('ali-local'), '--jobs', '1', '--cmd', 'local');
    await cli('align', data, at('feats'), lang, at('mono'), at('ali-slurm'), ...spilled);
    await sameBytes(at('ali-local', 'ali.arrow'), at('ali-slurm', 'ali.arrow'));
    // As if the command had been killed after job 1 finished and before job 2 did: the work
    // directory with job 1's result only. The rerun must take job 1's result (its alignment rows
    // written back into the scratch file the rerun made afresh) and run job 2 alone.
    const work = at('.ali-slurm.partial');
    await fs.rename(at('ali-slurm'), work);
    const marker = path.join(work, '.asr-distill-output.json');
    await fs.writeFile(marker, JSON.stringify({ ...JSON.parse(await fs.readFile(marker, 'utf8')), complete: false }));
    await fs.rm(path.join(work, 'ali.arrow'));
    await fs.rm(path.join(work, 'log', 'q', 'align.2.result.v8'));
    const aliIds = [await jobId(path.join(work, 'log'), 'align.1'), await jobId(path.join(work, 'log'), 'align.2')];
    await cli('align', data, at('feats'), lang, at('mono'), at('ali-slurm'), ...spilled);
    assert.equal(await jobId(at('ali-slurm', 'log'), 'align.1'), aliIds[0], 'the finished job was not submitted again');
    assert.notEqual(await jobId(at('ali-slurm', 'log'), 'align.2'), aliIds[1]);
    await sameBytes(at('ali-local', 'ali.arrow'), at('ali-slurm', 'ali.arrow'));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});


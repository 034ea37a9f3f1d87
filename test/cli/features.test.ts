import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';
import { readFeatsDir, writeFeatsDir } from '../../src/store/feats-archive.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { readCmvn } from '../../src/features/cmvn.js';
import { formatKaldiTextMatrix } from '../../src/store/kaldi-archive.js';

async function corpus(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-feats-cli-'));
  await fs.mkdir(path.join(dir, 'wav'));
  const entries = [];
  for (let i = 0; i < 5; i++) {
    const id = `s${i % 2}-u${i}`;
    const x = Float32Array.from({ length: 3200 + 480 * i }, (_, k) => 0.2 * Math.sin(0.03 * k * (i + 1)) + 0.01 * Math.sin(1.7 * k));
    await fs.writeFile(path.join(dir, `wav/${id}.wav`), encodeWavPcm16(x, 16000));
    entries.push({ uttId: id, speakerId: `s${i % 2}`, wav: `wav/${id}.wav`, words: ['ONE'] });
  }
  entries.sort((a, b) => (a.uttId < b.uttId ? -1 : 1));
  await writeDataDir(dir, entries);
  return dir;
}

test('features -> compute-cmvn -> show-feats round trip', async () => {
  const dir = await corpus();
  const feats = path.join(dir, 'feats');
  const r = await runCli('features', dir, feats, '--jobs', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^features: 5 utts, 0\.00\d h audio, \d+ frames x 40 -> .*feats \(2 shards\) in [\d.]+ s, [\d.]+x real time, 2 jobs\n$/);
  const { utts } = await readFeatsDir(feats);
  assert.equal(utts.size, 5);

  const c = await runCli('compute-cmvn', feats);
  assert.equal(c.code, 0, c.stderr);
  const numFrames = [...utts.values()].reduce((s, u) => s + u.numFrames, 0);
  assert.equal(c.stdout, `compute-cmvn: 2 speakers, ${numFrames} frames x 40 -> ${path.join(feats, 'cmvn.json')}\n`);
  assert.equal((await readCmvn(feats)).per, 'speaker');
  const cu = await runCli('compute-cmvn', feats, '--per', 'utterance');
  assert.match(cu.stdout, /^compute-cmvn: 5 utterances,/);

  const u = utts.get('s1-u3')!;
  const s = await runCli('show-feats', feats, '--utt', 's1-u3');
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, formatKaldiTextMatrix('s1-u3', u.data, u.numFrames, 40));
  assert.ok(s.stdout.startsWith('s1-u3  [\n  '));
  assert.ok(s.stdout.endsWith(' ]\n'));
  assert.equal(s.stdout.split('\n').length, u.numFrames + 2);

  const all = await runCli('show-feats', feats);
  assert.equal(all.stdout.match(/ {2}\[\n/g)?.length, 5);

  const j = await runCli('show-feats', feats, '--format', 'json', '--utt', 's0-u0');
  const obj = JSON.parse(j.stdout);
  assert.deepEqual(Object.keys(obj), ['uttId', 'speakerId', 'numFrames', 'dim', 'feats']);
  assert.equal(obj.feats.length, utts.get('s0-u0')!.numFrames);
  assert.equal(obj.feats[0][3], utts.get('s0-u0')!.data[3]);

  // --cmvn uses the per-utterance stats just written: every dimension averages to ~0.
  const n = await runCli('show-feats', feats, '--format', 'json', '--utt', 's0-u0', '--cmvn', '--norm-vars');
  const normed = JSON.parse(n.stdout).feats as number[][];
  const mean = normed.reduce((acc, row) => acc + row[5], 0) / normed.length;
  assert.ok(Math.abs(mean) < 1e-4);
});

test('show-feats streams a feature directory shard by shard in its stored order; --utt finds an utterance in a later shard', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-show-feats-'));
  try {
    const u = (uttId: string, n: number) => ({ uttId, speakerId: uttId.split('-')[0], numFrames: n, dim: 2, data: Float32Array.from({ length: 2 * n }, (_, k) => k + n / 4) });
    const shards = [[u('b-1', 2), u('a-1', 1)], [u('c-1', 3)]];
    await writeFeatsDir(dir, defaultFbankConfig({ numMelBins: 2 }), 10, shards);
    const flat = shards.flat();
    const json = await runCli('show-feats', dir, '--format', 'json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(json.stdout.trim().split('\n').map((l) => JSON.parse(l).uttId), ['b-1', 'a-1', 'c-1']);
    const text = await runCli('show-feats', dir);
    assert.equal(text.stdout, flat.map((x) => formatKaldiTextMatrix(x.uttId, x.data, x.numFrames, 2)).join(''));
    const one = await runCli('show-feats', dir, '--utt', 'c-1');
    assert.equal(one.stdout, formatKaldiTextMatrix('c-1', shards[1][0].data, 3, 2));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('features / show-feats / compute-cmvn errors: usage errors exit 2, input errors exit 1 with the message', async () => {
  const dir = await corpus();
  const bad = await runCli('features', dir, path.join(dir, 'f'), '--jobs', '0');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected a positive integer, got '0'/);
  const missing = await runCli('features', dir, path.join(dir, 'f'), '--config', path.join(dir, 'nope.json'));
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    `asr-distill features: ${path.join(dir, 'nope.json')}: cannot read feature config (ENOENT); pass --config with an existing file such as features/fbank40.json\n`,
  );
  const per = await runCli('compute-cmvn', dir, '--per', 'global');
  assert.equal(per.code, 2);
  const notFeats = await runCli('show-feats', dir);
  assert.equal(notFeats.code, 1);
  assert.equal(
    notFeats.stderr,
    `asr-distill show-feats: ${path.join(dir, 'feats.json')} not found: ${dir} is not a finished feature directory; run \`asr-distill features DATA_DIR ${dir}\` first\n`,
  );
  const feats = path.join(dir, 'feats');
  assert.equal((await runCli('features', dir, feats, '--jobs', '1')).code, 0);
  const noUtt = await runCli('show-feats', feats, '--utt', 'zz');
  assert.equal(noUtt.stderr, `asr-distill show-feats: utterance zz is not in ${feats} (5 utterances; see \`asr-distill show-feats ${feats} --format json\`)\n`);
  const noCmvn = await runCli('show-feats', feats, '--cmvn');
  assert.equal(noCmvn.stderr, `asr-distill show-feats: ${path.join(feats, 'cmvn.json')} not found; run \`asr-distill compute-cmvn ${feats}\` first\n`);
  const nv = await runCli('show-feats', feats, '--norm-vars');
  assert.equal(nv.stderr, 'asr-distill show-feats: --norm-vars needs --cmvn\n');
});

test('the three commands have help with examples', async () => {
  for (const cmd of ['features', 'compute-cmvn', 'show-feats']) {
    const h = await runCli(cmd, '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Examples:\n {2}\$ asr-distill /);
  }
});

test('a features run killed mid-way leaves no FEATS_DIR and no truncated shard, and the rerun gives the same bytes', async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { decodeFeatsShard } = await import('../../src/store/feats-archive.js');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-feats-kill-'));
  await fs.mkdir(path.join(dir, 'wav'));
  const entries = [];
  const x = Float32Array.from({ length: 16000 * 4 }, (_, k) => 0.2 * Math.sin(0.05 * k));
  const wav = encodeWavPcm16(x, 16000);
  for (let i = 0; i < 60; i++) {
    const id = `s-u${String(i).padStart(3, '0')}`;
    await fs.writeFile(path.join(dir, `wav/${id}.wav`), wav);
    entries.push({ uttId: id, speakerId: 's', wav: `wav/${id}.wav` });
  }
  await writeDataDir(dir, entries);
  const feats = path.join(dir, 'feats');
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'features', dir, feats, '--jobs', '2'], {
    env: { ...process.env, ASR_DISTILL_PROGRESS_SECONDS: '0.01' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Kill it as soon as it reports progress (it is then mid-way through extracting).
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      if (/features: \d+\/60 utts/.test(d.toString())) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  // FEATS_DIR appears only when a run finishes; the killed run's work is beside it.
  await assert.rejects(fs.stat(feats), /ENOENT/);
  const work = path.join(dir, '.feats.partial');
  const files = await fs.readdir(work);
  assert.ok(!files.includes('feats.json'), `feats.json must not exist after a killed run: ${files.join(' ')}`);
  for (const f of files.filter((n) => /^feats\.\d+\.arrow$/.test(n))) {
    decodeFeatsShard(await fs.readFile(path.join(work, f)), f); // complete, or it would throw
  }
  await assert.rejects(readFeatsDir(work), /is not a finished feature directory/);
  // The rerun takes over the lock the killed process left and gives the bytes an uninterrupted run gives.
  assert.equal(JSON.parse(await fs.readFile(path.join(dir, '.feats.lock'), 'utf8')).pid, child.pid);
  assert.equal((await runCli('features', dir, feats, '--jobs', '2')).code, 0);
  assert.equal((await runCli('features', dir, path.join(dir, 'feats-ref'), '--jobs', '2')).code, 0);
  for (const f of ['feats.1.arrow', 'feats.2.arrow']) {
    assert.deepEqual(await fs.readFile(path.join(feats, f)), await fs.readFile(path.join(dir, 'feats-ref', f)), f);
  }
  await assert.rejects(fs.stat(work), /ENOENT/);
});

test('features --shard-frames: more shards than jobs, the same features; a bad value is a usage error', async () => {
  const dir = await corpus();
  // 5 utterances of 0.2-0.32 s (18-30 frames): at most 40 estimated frames per shard.
  const r = await runCli('features', dir, path.join(dir, 'small'), '--jobs', '1', '--shard-frames', '40');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /-> .*small \([3-5] shards\) in [\d.]+ s, [\d.]+x real time, 1 job\n$/);
  assert.equal((await runCli('features', dir, path.join(dir, 'one'), '--jobs', '1')).code, 0);
  assert.deepEqual([...(await readFeatsDir(path.join(dir, 'small'))).utts], [...(await readFeatsDir(path.join(dir, 'one'))).utts]);
  assert.equal((await runCli('features', dir, path.join(dir, 'bad'), '--shard-frames', '0')).code, 2);
});

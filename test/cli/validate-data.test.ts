import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { writeDataDir } from '../../src/data/data-dir.js';
import { encodeWavPcm16 } from '../../src/data/wav.js';

/** Run the CLI in-process; returns exit code and captured output. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'asr-distill', 'validate-data', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

async function corpus(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-validate-'));
  await fs.mkdir(path.join(dir, 'wav'));
  await fs.writeFile(path.join(dir, 'wav/a.wav'), encodeWavPcm16(new Float32Array(16000), 16000));
  await fs.writeFile(path.join(dir, 'wav/b.wav'), encodeWavPcm16(new Float32Array(8000), 16000));
  await fs.writeFile(path.join(dir, 'wav/c.wav'), encodeWavPcm16([new Float32Array(4000), new Float32Array(4000)], 8000));
  await writeDataDir(dir, [
    { uttId: 's1-a', speakerId: 's1', wav: 'wav/a.wav', words: ['ONE', 'TWO'] },
    { uttId: 's1-c', speakerId: 's1', wav: 'wav/c.wav', words: ['THREE'] },
    { uttId: 's2-b', speakerId: 's2', wav: 'cat wav/b.wav |', words: ['ONE'] },
  ]);
  return dir;
}

test('validate-data prints a summary of a good data dir and exits 0', async () => {
  const dir = await corpus();
  const r = await run(dir, '--check-pipes');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      `validate-data: ${dir}: OK`,
      '  utterances   3',
      '  speakers     2',
      '  audio        0.0006 h (2.0 s) in 3 recordings',
      '  sample rate  16000 Hz (2), 8000 Hz (1)',
      '  channels     1 (2), 2 (1)',
      '  transcripts  3 (4 words, vocabulary 3)',
      '',
    ].join('\n'),
  );
});

test('--json and --no-check-audio', async () => {
  const dir = await corpus();
  const r = await run(dir, '--json', '--check-pipes');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    dir, utterances: 3, speakers: 2, segments: false, transcripts: 3, words: 4, vocabulary: 3,
    recordings: 3, pipesNotRun: 0, hours: 2 / 3600, seconds: 2, sampleRates: { 16000: 2, 8000: 1 }, channels: { 1: 2, 2: 1 }, warnings: [],
  });
  await fs.writeFile(path.join(dir, 'wav/a.wav'), 'garbage');
  const q = await run(dir, '--no-check-audio');
  assert.equal(q.code, 0, q.stderr);
  assert.match(q.stdout, /audio {8}not checked \(--no-check-audio\)/);
});

test('data-dir and audio problems are printed and exit 1; bad option values exit 2', async () => {
  const dir = await corpus();
  const r = await run(dir, '--channel', '1', '--check-pipes');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `asr-distill validate-data: data dir ${dir}: 2 audio problems:\n` +
      `  utt s1-a (${dir}/wav/a.wav): channel 1 requested but the file has 1 channel\n` +
      `  utt s2-b (command 'cat wav/b.wav |'): channel 1 requested but the file has 1 channel\n`,
  );
  assert.equal(r.stdout, '');
  await fs.appendFile(path.join(dir, 'utt2spk'), 's0-z s0\n');
  const u = await run(dir);
  assert.equal(u.code, 1);
  assert.match(u.stderr, /^asr-distill validate-data: data dir .*: 4 problems:\n {2}utt2spk line 4 \(utt s0-z\): not sorted: 's0-z' comes after 's2-b' \(line 3\); sort it with: LC_ALL=C sort -o utt2spk utt2spk\n/);
  const bad = await run(dir, '--channel', 'x');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /argument 'x' is invalid. expected an integer >= 0, got 'x'/);
});

test('with segments the summary counts segment spans', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-distill-validate-seg-'));
  await fs.writeFile(path.join(dir, 'rec.wav'), encodeWavPcm16(new Float32Array(32000), 16000));
  await fs.writeFile(path.join(dir, 'wav.scp'), 'rec rec.wav\n');
  await fs.writeFile(path.join(dir, 'segments'), 'rec-1 rec 0.0 0.5\nrec-2 rec 1.0 -1\n');
  await fs.writeFile(path.join(dir, 'utt2spk'), 'rec-1 rec\nrec-2 rec\n');
  const r = await run(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /utterances {3}2 \(from segments\)\n {2}speakers {5}1\n {2}audio {8}0\.0004 h \(1\.5 s\) in 1 recording\n/);
  assert.match(r.stdout, /transcripts {2}none \(no text file\)\n$/);
});

test('validate-data does not run the shell commands of a piped wav.scp unless --check-pipes', async () => {
  const dir = await corpus();
  // A command with a visible side effect: validating an untrusted data dir must not run it.
  const scp = (await fs.readFile(path.join(dir, 'wav.scp'), 'utf8')).replace('cat wav/b.wav |', 'touch ran && cat wav/b.wav |');
  await fs.writeFile(path.join(dir, 'wav.scp'), scp);
  const r = await run(dir);
  assert.equal(r.code, 0, r.stderr);
  await assert.rejects(fs.access(path.join(dir, 'ran')), 'the wav.scp command was run');
  assert.equal(
    r.stdout,
    [
      `validate-data: ${dir}: OK`,
      '  utterances   3',
      '  speakers     2',
      '  audio        0.0004 h (1.5 s) in 2 of 3 recordings',
      '  not checked  1 recording from wav.scp commands (not run; --check-pipes runs them)',
      '  sample rate  16000 Hz (1), 8000 Hz (1)',
      '  channels     1 (1), 2 (1)',
      '  transcripts  3 (4 words, vocabulary 3)',
      '',
    ].join('\n'),
  );
  const j = await run(dir, '--json');
  assert.equal(JSON.parse(j.stdout).pipesNotRun, 1);
  await assert.rejects(fs.access(path.join(dir, 'ran')));
  const c = await run(dir, '--check-pipes');
  assert.equal(c.code, 0, c.stderr);
  await fs.access(path.join(dir, 'ran'));
  assert.match(c.stdout, / {2}audio {8}0\.0006 h \(2\.0 s\) in 3 recordings\n {2}sample rate/);
});

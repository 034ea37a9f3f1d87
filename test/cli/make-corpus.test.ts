import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';

/** Run the CLI in-process, capturing what it prints (the test runner's own Buffer writes pass through). */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const ewrite = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  process.stdout.write = ((s: string | Uint8Array, ...rest: any[]) =>
    typeof s === 'string' ? ((out += s), true) : write(s, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: any[]) =>
    typeof s === 'string' ? ((err += s), true) : ewrite(s, ...rest)) as typeof process.stderr.write;
  try {
    return { code: await main(['node', 'asr-distill', ...args]), out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = ewrite;
    process.exitCode = 0;
  }
}

test('make-corpus --help has examples; bad corpus names and ranges are usage errors (exit 2)', async () => {
  const help = await cli('make-corpus', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /Examples:\n  \$ asr-distill make-corpus digits data\/digits/);
  const corpus = await cli('make-corpus', 'letters', '/tmp/never');
  assert.equal(corpus.code, 2);
  assert.match(corpus.err, /Allowed choices are digits/);
  const snr = await cli('make-corpus', 'digits', '/tmp/never', '--snr-db', '20:5');
  assert.equal(snr.code, 2);
  assert.match(snr.err, /expected LO:HI with LO <= HI, got '20:5'/);
  const noise = await cli('make-corpus', 'digits', '/tmp/never', '--noise', 'white,brown');
  assert.equal(noise.code, 2);
  assert.match(noise.err, /expected some of white,pink,babble, got 'brown'/);
});

test('make-corpus writes a tiny corpus and reports each split; impossible speaker counts exit 1', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cli-corpus-'));
  try {
    const out = path.join(dir, 'c');
    const r = await cli(
      'make-corpus', 'digits', out, '--train-utts', '4', '--dev-utts', '1', '--test-utts', '1', '--train-speakers', '2',
      '--dev-speakers', '1', '--test-speakers', '1', '--snr-db', '0:10', '--gain-db', '-3:-1', '--noise', 'babble', '--max-words', '3', '--seed', '5', '--jobs', '1',
    );
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], new RegExp(`^${out}/train: 4 utterances, 2 speakers, \\d+ words, \\d+\\.\\d min$`));
    const meta = JSON.parse(await readFile(path.join(out, 'corpus.json'), 'utf8'));
    assert.deepEqual(meta.config.snrDb, [0, 10]);
    assert.deepEqual(meta.config.gainDb, [-3, -1]);
    assert.deepEqual(meta.config.noiseTypes, ['babble']);
    const text = await readFile(path.join(out, 'train/text'), 'utf8');
    for (const l of text.trim().split('\n')) assert.ok(l.split(' ').length - 1 <= 3);
    const bad = await cli('make-corpus', 'digits', path.join(dir, 'd'), '--dev-speakers', '40', '--test-speakers', '40', '--dev-utts', '40', '--test-utts', '40');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^asr-distill make-corpus: 24 train \+ 80 dev\/test speakers do not fit/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('make-corpus words writes only a train split, by the digits corpus train speakers of the same seed', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cli-words-'));
  try {
    const out = path.join(dir, 'w');
    const r = await cli('make-corpus', 'words', out, '--train-utts', '3', '--train-speakers', '3', '--dev-speakers', '1', '--test-speakers', '1', '--max-words', '3', '--seed', '4', '--jobs', '1');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0], new RegExp(`^${out}/train: 3 utterances, 3 speakers, \\d+ words, \\d+\\.\\d min$`));
    const meta = JSON.parse(await readFile(path.join(out, 'corpus.json'), 'utf8'));
    assert.equal(meta.corpus, 'words');
    assert.equal(meta.config.minWords, 2);
    const d = await cli('make-corpus', 'digits', path.join(dir, 'd'), '--train-utts', '3', '--dev-utts', '1', '--test-utts', '1', '--train-speakers', '3', '--dev-speakers', '1', '--test-speakers', '1', '--seed', '4', '--jobs', '1');
    assert.equal(d.code, 0, d.err);
    const digits = JSON.parse(await readFile(path.join(dir, 'd', 'corpus.json'), 'utf8'));
    assert.deepEqual(meta.speakers, digits.speakers);
    const text = (await readFile(path.join(out, 'train/text'), 'utf8')).trim().split('\n');
    assert.deepEqual(text.map((l) => l.split(' ')[0]), ['train01-w0001', 'train02-w0001', 'train03-w0001']);
    for (const l of text) assert.ok(l.split(' ').length - 1 >= 2 && l.split(' ').length - 1 <= 3, l);
    const help = await cli('make-corpus', '--help');
    assert.match(help.out, /\$ asr-distill make-corpus words data\/words --train-utts 600/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

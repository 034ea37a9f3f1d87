// The recipe for any Kaldi data dirs (issue 24) on a tiny generated corpus (make-corpus digits,
// 16 kHz): the lexicon comes from CMUdict for the words of the transcripts, the LM from the training
// transcripts, sizes from the data; a word CMUdict lacks stops it with the word named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = { ...process.env, ASR_DISTILL_PROGRESS_SECONDS: '60' };

function sh(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(args[0], args.slice(1), { cwd: root, encoding: 'utf8', env: { ...env, ...extraEnv } });
}

test('recipes/kaldi-data/run.sh: the whole chain on tiny Kaldi data dirs, and a clear error for words without a pronunciation', { timeout: 900_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asr-kaldi-data-'));
  const corpus = path.join(dir, 'corpus');
  const made = sh(['node', 'bin/asr-distill.js', 'make-corpus', 'digits', corpus, '--train-utts', '16', '--dev-utts', '6', '--test-utts', '6',
    '--train-speakers', '2', '--dev-speakers', '1', '--test-speakers', '1', '--max-words', '3', '--seed', '3', '--jobs', '1']);
  assert.equal(made.status, 0, made.stderr);
  const exp = path.join(dir, 'exp');
  const sets = ['--train', path.join(corpus, 'train'), '--dev', path.join(corpus, 'dev'), '--test', path.join(corpus, 'test')];
  // --jobs 1: one worker per command (a second one only adds start-up CPU on the suite's shared cores).
  const r = sh(['bash', 'recipes/kaldi-data/run.sh', ...sets, '--members', '2', '--exp', exp, '--jobs', '1']);
  assert.equal(r.status, 0, `recipe failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  // Sizes from the data: a few seconds of audio is the smoke-test size; 16 kHz -> the 16 kHz fbank.
  assert.match(r.stdout, /train: \d+ frames at 16000 Hz -> tiny sizes: GMM 100 Gaussians, 2 members of 2x128/);
  assert.equal(JSON.parse(readFileSync(path.join(exp, 'feats', 'train', 'feats.json'), 'utf8')).config.sampleRate, 16000);
  // The lexicon has every word of the three transcripts; decoding used the bigram of the training text.
  const lexWords = new Set(readFileSync(path.join(exp, 'lang', 'lexicon.txt'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/)[0]));
  for (const s of ['train', 'dev', 'test']) {
    for (const line of readFileSync(path.join(corpus, s, 'text'), 'utf8').trim().split('\n')) {
      for (const w of line.split(/\s+/).slice(1)) assert.ok(lexWords.has(w), `${s}: ${w} in the lexicon`);
    }
  }
  assert.match(readFileSync(path.join(exp, 'lm', 'train.2g.arpa'), 'utf8'), /\\2-grams:/);
  assert.match(readFileSync(path.join(exp, 'log', '7-decode.log'), 'utf8'), /train\.2g\.arpa/);
  const results = JSON.parse(readFileSync(path.join(exp, 'results.json'), 'utf8'));
  assert.equal(results.rows.length, 3);
  for (const row of results.rows) assert.ok(row.testFrameAccuracy > 0 && row.testFrameAccuracy <= 1 && Number.isFinite(row.testWerPercent), row.system);
  assert.doesNotMatch(readFileSync(path.join(exp, 'RESULTS.md'), 'utf8'), /NaN|undefined/);

  // A dev transcript with a word CMUdict lacks: stage 0 fails naming it and what to do.
  const dev2 = path.join(dir, 'dev-oov');
  cpSync(path.join(corpus, 'dev'), dev2, { recursive: true });
  const text = readFileSync(path.join(dev2, 'text'), 'utf8').trim().split('\n');
  writeFileSync(path.join(dev2, 'text'), [text[0] + ' zorblax', ...text.slice(1)].join('\n') + '\n');
  const bad = sh(['bash', 'recipes/kaldi-data/run.sh', ...sets.slice(0, 2), '--dev', dev2, ...sets.slice(4), '--exp', path.join(dir, 'exp-oov'), '--stop-stage', '0'],
    { ASR_DISTILL_NO_BUILD: '1' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /not in cmudict: zorblax \(1\)/);
  assert.match(bad.stderr, /give their pronunciations with --dict FILE, map them with --oov-word '<unk>', or give a lang dir with --lang/);
  // ... and with the word in a lexicon of one's own (--dict), it goes through.
  const lex = path.join(dir, 'my-lexicon.txt');
  appendFileSync(lex, 'zorblax Z AO R B L AE K S\n');
  const ok = sh(['bash', 'recipes/kaldi-data/run.sh', ...sets.slice(0, 2), '--dev', dev2, ...sets.slice(4), '--dict', lex, '--exp', path.join(dir, 'exp-oov'), '--stop-stage', '0'],
    { ASR_DISTILL_NO_BUILD: '1' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(readFileSync(path.join(dir, 'exp-oov', 'lang', 'lexicon.txt'), 'utf8'), /^zorblax Z AO R B L AE K S$/m);
  assert.ok(existsSync(path.join(dir, 'exp-oov', 'lm', 'train.2g.arpa')));
});

test('recipes/kaldi-data/run.sh: missing or contradictory options are usage errors', () => {
  const run = (...a: string[]) => sh(['bash', 'recipes/kaldi-data/run.sh', ...a], { ASR_DISTILL_NO_BUILD: '1' });
  let r = run('--dev', '/tmp', '--test', '/tmp');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--train DIR is required/);
  r = run('--train', '/tmp', '--dev', '/tmp', '--test', '/tmp', '--lang', '/tmp', '--words', '/tmp/w');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /give --lang or --words, not both/);
  r = run('--train', '/tmp', '--dev', '/tmp', '--test', '/tmp', '--grammar', 'fst');
  assert.match(r.stderr, /--grammar must be lm or loop, got 'fst'/);
  r = run('--no-such-option', '1');
  assert.match(r.stderr, /unknown option --no-such-option/);
});

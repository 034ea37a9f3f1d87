import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { withTmp } from '../hmm/helpers.js';
import { writeFileCorpus } from '../hmm/file-corpus.js';

test('train-mono -> align -> show-ali -> ali-accuracy -> import-ali on a tiny corpus', async () => {
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 24);
    const mono = path.join(dir, 'mono');
    const t = await runCli('train-mono', c.dataDir, c.featsDir, c.lang.dir, mono, '--iters', '6', '--total-gauss', '100', '--jobs', '2');
    assert.equal(t.code, 0, t.stderr);
    const iterLines = t.stdout.split('\n').filter((l) => /^train-mono: iter \d+:/.test(l));
    assert.equal(iterLines.length, 6);
    assert.match(t.stdout, /^train-mono: 25 utterances, \d+ frames \(0\.\d\d h\), 2 left out, feature dim 39$/m);
    assert.match(t.stdout, new RegExp(`^train-mono: ${mono}: \\d+ pdfs, \\d+ Gaussians, final avg log-likelihood per frame -\\d+\\.\\d{4}; 3 utterance\\(s\\) not used \\(see ${mono}/failed\\)$`, 'm'));

    const ali = path.join(dir, 'ali');
    const a = await runCli('align', c.dataDir, c.featsDir, c.lang.dir, mono, ali, '--jobs', '2');
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, new RegExp(`^align: ${ali}: 24 utterances, \\d+ frames aligned, 3 failed \\(see ${ali}/failed\\), 0 needed the retry beam; avg log-likelihood per frame -\\d+\\.\\d{4}; GMM frame state accuracy \\d+\\.\\d\\d% \\(`));
    assert.match(a.stderr, new RegExp(`^align: failed ${c.bad.short}: too short`, 'm'));

    const ctm = await runCli('show-ali', ali, '--utt', 'spk0-000');
    assert.equal(ctm.code, 0);
    assert.match(ctm.stdout, /^spk0-000 1 0\.00 0\.\d\d SIL\n/);
    const pdf = await runCli('show-ali', ali, '--format', 'pdf');
    assert.equal(pdf.stdout.trim().split('\n').length, 24);
    const missing = await runCli('show-ali', ali, '--utt', c.bad.oov);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`^asr-distill show-ali: ${ali}: no alignment for utterance ${c.bad.oov} \\(it failed: .*word 'ten' is not in the lexicon`));

    const acc = await runCli('ali-accuracy', ali, c.refCtm, '--json');
    assert.equal(acc.code, 0);
    const r = JSON.parse(acc.stdout);
    assert.ok(r.boundaries.share >= 0.85 && r.frames.share >= 0.9, acc.stdout);
    const text = await runCli('ali-accuracy', ali, c.refCtm);
    assert.match(text.stdout, /^ali-accuracy: 24 utterances compared \(0 without reference, 0 not aligned\)\nboundaries within 20 ms: \d+\.\d\d% /);
    const byType = await runCli('ali-accuracy', ali, c.refCtm, '--by-type', '2');
    assert.equal(byType.code, 0, byType.stderr);
    assert.match(byType.stdout, /\nboundary types with the most misses \(ours - reference\):\n( {2}\S+>\S+ +\d+ \/ +\d+ within \( *\d+ unmatched\), median error (-?\d+\.\d ms|-)\n){2}$/);
    // The graph and Viterbi scales are options (Kaldi --self-loop-scale, --acoustic-scale).
    const a2 = await runCli('align', c.dataDir, c.featsDir, c.lang.dir, mono, path.join(dir, 'ali-sls'), '--jobs', '1', '--self-loop-scale', '1', '--acoustic-scale', '0.1', '--refine-window', '0');
    assert.equal(a2.code, 0, a2.stderr);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'ali-sls', 'ali.json'), 'utf8')).refine, { windowFrames: 0, contextFrames: 2 });
    assert.deepEqual(JSON.parse(await readFile(path.join(ali, 'ali.json'), 'utf8')).refine, { windowFrames: 2, contextFrames: 2 }, 'refined by default');

    const txt = path.join(dir, 'ali.txt');
    await writeFile(txt, pdf.stdout);
    const imp = await runCli('import-ali', 'kaldi', txt, mono, path.join(dir, 'ali2'), '--feats', c.featsDir);
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(imp.stdout, `import-ali: ${path.join(dir, 'ali2')}: 24 utterances imported, 0 skipped\n`);
    assert.equal((await runCli('show-ali', path.join(dir, 'ali2'), '--format', 'pdf')).stdout, pdf.stdout);
    assert.match(await readFile(path.join(mono, 'failed'), 'utf8'), new RegExp(`^${c.bad.noFeats} no features`, 'm'));
  });
});

test('train-mono --extra trains on a second set too; align writes the LANG_DIR it was given, not the model\'s', async () => {
  await withTmp(async (dir) => {
    // The training lang has a word the aligned data never uses (like data/lang/digits-words).
    const c = await writeFileCorpus(path.join(dir, 'a'), 12);
    const x = await writeFileCorpus(path.join(dir, 'b'), 12, 6, { uttTag: 'x', extraLexicon: 'kin K IH N\n' });
    const mono = path.join(dir, 'mono');
    const t = await runCli('train-mono', c.dataDir, c.featsDir, x.lang.dir, mono, '--iters', '4', '--total-gauss', '60', '--jobs', '1', '--extra', `${x.dataDir}:${x.featsDir}`);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`^train-mono: extra set ${x.dataDir}: 13 utterances, \\d+ frames, 2 left out$`, 'm'));
    assert.match(t.stdout, /^train-mono: 26 utterances, \d+ frames \(0\.\d\d h\), 4 left out, feature dim 39$/m);
    const info = JSON.parse(await readFile(path.join(mono, 'model.json'), 'utf8'));
    assert.deepEqual(info.extraTrainingSets, [path.resolve(x.dataDir)]);
    const failed = await readFile(path.join(mono, 'failed'), 'utf8');
    for (const u of [c.bad.oov, c.bad.noFeats, x.bad.oov, x.bad.noFeats, c.bad.short, x.bad.short]) assert.match(failed, new RegExp(`^${u} `, 'm'));
    const ali = path.join(dir, 'ali');
    const a = await runCli('align', c.dataDir, c.featsDir, c.lang.dir, mono, ali, '--jobs', '1');
    assert.equal(a.code, 0, a.stderr);
    assert.equal(await readFile(path.join(ali, 'lang', 'words.txt'), 'utf8'), await readFile(path.join(c.lang.dir, 'words.txt'), 'utf8'));
    assert.notEqual(await readFile(path.join(mono, 'lang', 'words.txt'), 'utf8'), await readFile(path.join(c.lang.dir, 'words.txt'), 'utf8'));
    // The same set twice: its ids collide.
    const dup = await runCli('train-mono', c.dataDir, c.featsDir, c.lang.dir, path.join(dir, 'm2'), '--iters', '2', '--extra', `${c.dataDir}:${c.featsDir}`);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /^asr-distill train-mono: utterance spk0-000 is in two of the training sets; utterance ids must be unique across them\n$/m);
  });
});

test('hmm commands: help with examples, usage errors exit 2, input errors exit 1', async () => {
  for (const cmd of ['train-mono', 'train-tri', 'show-tree', 'align', 'show-ali', 'import-ali', 'ali-accuracy']) {
    const h = await runCli(cmd, '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Examples:\n {2}\$ [^\n]*(\\\n[^\n]*)*asr-distill /, cmd); // an example may wrap with ' \\'
  }
  assert.equal((await runCli('train-mono', 'd', 'f', 'l', 'm', '--iters', '0')).code, 2);
  assert.equal((await runCli('show-ali', 'x', '--format', 'xml')).code, 2);
  assert.equal((await runCli('align', 'd', 'f', 'l', 'm', 'a', '--self-loop-scale', 'x')).code, 2);
  assert.equal((await runCli('align', 'd', 'f', 'l', 'm', 'a', '--refine-window', '-1')).code, 2);
  assert.equal((await runCli('train-mono', 'd', 'f', 'l', 'm', '--acoustic-scale', 'x')).code, 2);
  const extra = await runCli('train-mono', 'd', 'f', 'l', 'm', '--extra', 'words-only');
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /expected DATA_DIR:FEATS_DIR, got 'words-only'/);
  assert.equal((await runCli('ali-accuracy', 'a', 'r', '--by-type', '-1')).code, 2);
  assert.equal((await runCli('import-ali', 'htk', 'a', 'b', 'c')).code, 2);
  const bad = await runCli('show-ali', '/nonexistent/ali');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "asr-distill show-ali: /nonexistent/ali/ali.json: not found; is /nonexistent/ali an alignment directory made by 'asr-distill align' or 'asr-distill import-ali'?\n");
  const noModel = await runCli('align', 'd', 'f', 'l', '/nonexistent/mono', 'a');
  assert.equal(noModel.code, 1);
  assert.equal(noModel.stderr, "asr-distill align: /nonexistent/mono/model.json: not found; is /nonexistent/mono a model directory made by 'asr-distill train-mono'?\n");
});

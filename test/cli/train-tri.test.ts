import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { runCli } from './run-cli.js';
import { readDnnModelMeta } from '../../src/nnet/model-dir.js';
import { withTmp } from '../hmm/helpers.js';
import { writeFileCorpus } from '../hmm/file-corpus.js';

test('train-mono -> align -> train-tri -> show-tree -> align with the triphone model -> show-ali, ali-accuracy, import-ali, train + eval-frames on tied states', async () => {
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 24, 7, { rightContextEffect: 2 });
    const mono = path.join(dir, 'mono');
    assert.equal((await runCli('train-mono', c.dataDir, c.featsDir, c.lang.dir, mono, '--iters', '6', '--total-gauss', '80', '--jobs', '1')).code, 0);
    const monoAli = path.join(dir, 'mono_ali');
    assert.equal((await runCli('align', c.dataDir, c.featsDir, c.lang.dir, mono, monoAli, '--jobs', '1')).code, 0);
    const tri = path.join(dir, 'tri');
    const t = await runCli('train-tri', c.dataDir, c.featsDir, c.lang.dir, monoAli, tri, '--num-leaves', '60', '--num-gauss', '120', '--iters', '3', '--jobs', '1', '--thresh', '50', '--min-leaf-count', '10');
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout.split('\n').filter((l) => /^train-tri: iter \d+: (accumulate|realign); avg log-likelihood per frame -\d+\.\d{4} over \d+ frames/.test(l)).length, 3);
    const m = t.stdout.match(new RegExp(`^train-tri: ${tri}: (\\d+) tied states, \\d+ Gaussians, final avg log-likelihood per frame -\\d+\\.\\d{4}; 3 utterance\\(s\\) not used \\(see ${tri}/failed\\)$`, 'm'));
    assert.ok(m, t.stdout);
    const numPdfs = Number(m[1]);

    const show = await runCli('show-tree', tri);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`^${tri}/tree: ${numPdfs} tied states \\(pdfs\\) from 40 phone-state trees; \\d+ splits, \\d+ leaves\\nleaf occupancy \\(frames\\): min \\d+, median \\d+, max \\d+; \\d+ tied state\\(s\\) without data\\nquestions used: \\d+ of \\d+\\n`));
    const json = JSON.parse((await runCli('show-tree', path.join(tri, 'tree'), '--json')).stdout);
    assert.equal(json.numPdfs, numPdfs);
    assert.equal(json.perPhone.find((p: { phone: string }) => p.phone === 'SIL').pdfs, 5);
    const bad = await runCli('show-tree', mono);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /mono\/tree: tree not found \(train a triphone model with 'asr-distill train-tri'\)/);

    const triAli = path.join(dir, 'tri_ali');
    const a = await runCli('align', c.dataDir, c.featsDir, c.lang.dir, tri, triAli, '--jobs', '1');
    assert.equal(a.code, 0, a.stderr);
    const pdf = await runCli('show-ali', triAli, '--format', 'pdf');
    const ids = pdf.stdout.trim().split('\n').flatMap((l) => l.split(' ').slice(1).map(Number));
    assert.ok(Math.max(...ids) < numPdfs && new Set(ids).size > 35, `${new Set(ids).size} pdfs used`);
    // A Kaldi pdf alignment with tied-state ids imports against the triphone model.
    const txt = path.join(dir, 'tri_ali.txt');
    await writeFile(txt, pdf.stdout);
    const imp = await runCli('import-ali', 'kaldi', txt, tri, path.join(dir, 'tri_ali2'), '--feats', c.featsDir);
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal((await runCli('show-ali', path.join(dir, 'tri_ali2'), '--format', 'pdf')).stdout, pdf.stdout);
    const monoPdf = await runCli('import-ali', 'kaldi', txt, mono, path.join(dir, 'tri_ali3'));
    // ... but not against the monophone model (40 pdfs): those utterances are skipped with the reason.
    assert.match(monoPdf.stdout, /, [1-9]\d* skipped/);
    assert.match(await readFile(path.join(dir, 'tri_ali3', 'failed'), 'utf8'), /pdf id \d+ >= 40 pdfs of the transition model/);
    const acc = JSON.parse((await runCli('ali-accuracy', triAli, c.refCtm, '--json')).stdout);
    assert.ok(acc.frames.share >= 0.9, JSON.stringify(acc.frames));

    // A DNN trains on the tied states: its output size and priors come from the alignment's model; eval-frames scores it.
    const dnn = path.join(dir, 'dnn');
    const tr = await runCli('train', c.featsDir, triAli, dnn, '--arch', '1x16', '--context', '1:1', '--epochs', '1', '--batch', '64', '--backend', 'wasm');
    assert.equal(tr.code, 0, tr.stderr);
    const meta = await readDnnModelMeta(dnn);
    assert.equal(meta.numPdfs, numPdfs);
    assert.equal(meta.priors.length, numPdfs);
    const ev = await runCli('eval-frames', dnn, c.featsDir, triAli, '--json', '--backend', 'wasm');
    assert.equal(ev.code, 0, ev.stderr);
    assert.ok(JSON.parse(ev.stdout).scores.accuracy > 0, ev.stdout);
  });
});

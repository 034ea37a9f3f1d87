// Features and alignments that go out to Kaldi's formats and come back train the same models: a
// FEATS_DIR exported as ark + scp and imported again (with its configuration unknown, as for
// features made by Kaldi) gives the same monophone GMM, and an alignment written as a binary
// pdf archive and imported again is the same alignment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { withTmp } from '../hmm/helpers.js';
import { writeFileCorpus } from '../hmm/file-corpus.js';
import { readAlignments } from '../../src/hmm/ali-archive.js';
import { encodeArchive, encodeBinaryInt32Vector } from '../../src/store/kaldi-archive.js';

test('Kaldi round trip: exported + imported features train the same GMM; a binary pdf archive imports the same alignment', async () => {
  await withTmp(async (dir) => {
    const c = await writeFileCorpus(dir, 12);
    const kaldi = path.join(dir, 'kaldi');
    assert.equal((await runCli('export-feats', c.featsDir, path.join(kaldi, 'feats.ark'))).code, 0);
    const imported = path.join(dir, 'feats-imported');
    const i = await runCli('import-feats', path.join(kaldi, 'feats.scp'), imported, '--utt2spk', path.join(c.dataDir, 'utt2spk'));
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /feature config unknown/);

    const train = (feats: string, out: string) => runCli('train-mono', c.dataDir, feats, c.lang.dir, out, '--iters', '3', '--total-gauss', '60', '--jobs', '1');
    const a = await train(c.featsDir, path.join(dir, 'mono-a'));
    assert.equal(a.code, 0, a.stderr);
    const b = await train(imported, path.join(dir, 'mono-b'));
    assert.equal(b.code, 0, b.stderr);
    assert.equal(await readFile(path.join(dir, 'mono-b', 'gmm.json'), 'utf8'), await readFile(path.join(dir, 'mono-a', 'gmm.json'), 'utf8'));

    const ali = path.join(dir, 'ali');
    const al = await runCli('align', c.dataDir, imported, c.lang.dir, path.join(dir, 'mono-b'), ali, '--jobs', '1');
    assert.equal(al.code, 0, al.stderr);
    const { alis } = await readAlignments(ali);
    const ark = path.join(dir, 'pdf.ark');
    await writeFile(ark, encodeArchive([...alis.values()].map((x) => ({ key: x.uttId, value: x.pdfIds })), encodeBinaryInt32Vector).bytes);
    const back = path.join(dir, 'ali-back');
    const r = await runCli('import-ali', 'kaldi', ark, path.join(dir, 'mono-b'), back, '--feats', imported);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await readAlignments(back)).alis, alis);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.js';
import { makeLang, withTmp } from '../hmm/helpers.js';

test('import-ali exits 1 with a message when 0 of N utterances were imported, and prints skipped ids escaped', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const txt = path.join(dir, 'ali.txt');
    // Every pdf id is out of range: nothing can be imported.
    await writeFile(txt, 'u1 99999\nu\x1b[2J2 99999\n');
    const out = path.join(dir, 'ali');
    const r = await runCli('import-ali', 'kaldi', txt, lang.dir, out);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^asr-distill import-ali: ${txt.replace(/[.]/g, '\\.')}: none of its 2 utterances could be imported, nothing written to `));
    assert.ok(r.stderr.includes('  u\\x1b[2J2: frame 0: pdf id 99999 >= '), r.stderr);
    assert.doesNotMatch(r.stderr, /\x1b/);
    await assert.rejects(access(out));
    // One good utterance: exit 0, the other reported with its id escaped.
    await writeFile(txt, 'u1 0 0\nu\x1b[2J2 99999\n');
    const ok = await runCli('import-ali', 'kaldi', txt, lang.dir, out);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /^import-ali: skipped u\\x1b\[2J2: frame 0: pdf id 99999 >= \d+ pdfs of the transition model\n$/);
    assert.equal(ok.stdout, `import-ali: ${out}: 1 utterances imported, 1 skipped (see ${out}/failed)\n`);
  });
});

test('import-ali --kaldi-tree/--kaldi-model/--kaldi-phones/--transition-ids imports a Kaldi triphone alignment; one file alone is refused', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const fx = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kaldi', 'tri');
    const out = path.join(dir, 'ali');
    const kaldi = ['--kaldi-tree', path.join(fx, 'tree.txt'), '--kaldi-model', path.join(fx, 'final.mdl.txt'), '--kaldi-phones', path.join(fx, 'phones.txt')];
    const r = await runCli('import-ali', 'kaldi', path.join(fx, 'ali.tid.txt'), lang.dir, out, ...kaldi, '--transition-ids');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `import-ali: ${out}: 3 utterances imported, 0 skipped\n`);
    const show = await runCli('show-tree', out, '--json');
    assert.equal(JSON.parse(show.stdout).numPdfs, 35, show.stdout);
    const half = await runCli('import-ali', 'kaldi', path.join(fx, 'ali.tid.txt'), lang.dir, path.join(dir, 'x'), '--kaldi-tree', path.join(fx, 'tree.txt'));
    assert.equal(half.code, 1);
    assert.match(half.stderr, /--kaldi-tree and --kaldi-model go together/);
  });
});

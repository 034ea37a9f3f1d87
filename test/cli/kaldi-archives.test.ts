import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runCli } from './run-cli.js';
import { defaultFbankConfig } from '../../src/features/config.js';
import { readFeatsDir, writeFeatsDir, type UttFeats } from '../../src/store/feats-archive.js';
import { encodeArchive, encodeBinaryInt32Vector, readInt32VectorArchive, readMatrixArchive } from '../../src/store/kaldi-archive.js';
import { readAlignments } from '../../src/hmm/ali-archive.js';
import { buildTransitionModel } from '../../src/hmm/topology.js';
import { makeLang, withTmp } from '../hmm/helpers.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Run the CLI in a child process and keep its stdout as bytes (binary archives). */
function runBinary(...args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const UTTS: UttFeats[] = [
  { uttId: 's1-a', speakerId: 's1', numFrames: 2, dim: 3, data: Float32Array.of(1, 2, 3, 4.5, -5.25, 6e-3) },
  { uttId: 's2-b', speakerId: 's2', numFrames: 1, dim: 3, data: Float32Array.of(-7, 8, 9) },
];

test('export-feats, import-feats and show-feats --format kaldi-binary exchange features with Kaldi', async () => {
  await withTmp(async (dir) => {
    const feats = path.join(dir, 'feats');
    await writeFeatsDir(feats, defaultFbankConfig({ numMelBins: 3 }), 10, [UTTS]);
    const ark = path.join(dir, 'kaldi', 'feats.ark');
    const e = await runCli('export-feats', feats, ark);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.stdout, `export-feats: 2 utts, 3 frames x 3 -> ${ark} + ${path.join(dir, 'kaldi', 'feats.scp')}\n`);

    const bin = runBinary('show-feats', feats, '--format', 'kaldi-binary');
    assert.equal(bin.status, 0, bin.stderr);
    // The same bytes as the exported archive: one binary FM object per utterance.
    assert.deepEqual(bin.stdout, await fs.readFile(ark));
    assert.deepEqual(readMatrixArchive(bin.stdout, 'stdout').map((x) => [x.key, x.value.format, Array.from(x.value.data)]), UTTS.map((u) => [u.uttId, 'FM', Array.from(u.data)]));

    await fs.writeFile(path.join(dir, 'kaldi', 'utt2spk'), 's1-a s1\ns2-b s2\n');
    const out = path.join(dir, 'imported');
    const i = await runCli('import-feats', path.join(dir, 'kaldi'), out);
    assert.equal(i.code, 0, i.stderr);
    assert.equal(i.stdout, `import-feats: 2 utts, 3 frames x 3 -> ${out} (2 FM; feature config unknown)\n`);
    const back = await readFeatsDir(out);
    assert.deepEqual([...back.utts.values()], UTTS);
    const again = await runCli('import-feats', `scp:${path.join(dir, 'kaldi', 'feats.scp')}`, out);
    assert.equal(again.code, 0, again.stderr);
    const bad = await runCli('import-feats', path.join(dir, 'nothing'), path.join(dir, 'x'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^asr-distill import-feats: .*nothing: not found; give a Kaldi data dir/);
  });
});

test('import-ali reads binary (and gzipped) pdf archives; show-ali --format pdf-binary writes them back', async () => {
  await withTmp(async (dir) => {
    const lang = await makeLang(dir);
    const tm = buildTransitionModel(lang.phones, lang.silencePhones);
    const uw = tm.phones[lang.phoneIds.get('UW')!]!;
    const t = tm.phones[lang.phoneIds.get('T')!]!;
    const pdfs = [
      { key: 'u1', value: Int32Array.of(t.states[0].pdfId, t.states[1].pdfId, t.states[2].pdfId, uw.states[0].pdfId, uw.states[1].pdfId, uw.states[2].pdfId) },
      { key: 'u2', value: Int32Array.of(uw.states[0].pdfId, uw.states[2].pdfId) },
    ];
    const ark = path.join(dir, 'pdf.ark');
    const bytes = encodeArchive(pdfs, encodeBinaryInt32Vector).bytes;
    await fs.writeFile(ark, bytes);
    const out = path.join(dir, 'ali');
    const r = await runCli('import-ali', 'kaldi', ark, lang.dir, out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `import-ali: ${out}: 2 utterances imported, 0 skipped\n`);
    const { alis } = await readAlignments(out);
    assert.deepEqual(Array.from(alis.get('u1')!.phoneIds), [...new Array(3).fill(t.phoneId), ...new Array(3).fill(uw.phoneId)]);

    const shown = runBinary('show-ali', out, '--format', 'pdf-binary');
    assert.equal(shown.status, 0, shown.stderr);
    assert.deepEqual(shown.stdout, bytes);

    await fs.writeFile(`${ark}.gz`, gzipSync(bytes));
    const gz = await runCli('import-ali', 'kaldi', `${ark}.gz`, lang.dir, path.join(dir, 'ali-gz'));
    assert.equal(gz.code, 0, gz.stderr);
    assert.deepEqual(readInt32VectorArchive(bytes, 'x').length, 2);
  });
});

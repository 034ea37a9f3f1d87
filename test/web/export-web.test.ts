import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportWeb } from '../../src/web/export-web.js';
import { WEB_MANIFEST_FILE, type WebManifest } from '../../src/web/manifest.js';
import { Recognizer } from '../../src/web/browser/recognizer.js';
import { decodeGraph } from '../../src/decode/graph-io.js';
import { decodeWav } from '../../src/data/wav.js';
import { buildModelGraph, transcribeFiles } from '../../src/decode/transcribe.js';
import { readModelSetup } from '../../src/decode/acoustic-model.js';
import { readDnnModelDir } from '../../src/nnet/model-dir.js';
import { DnnForward } from '../../src/nnet/model.js';
import { selectBackend } from '../../src/nnet/backend.js';
import { makeWebFixture, type WebFixture } from './fixture.js';
import { runCli } from '../cli/run-cli.js';

const root = mkdtempSync(path.join(tmpdir(), 'export-web-'));
let fixture: Promise<WebFixture> | undefined;
const getFixture = () => (fixture ??= makeWebFixture(root));

test('export-web writes a self-contained site: page, script, wasm, the model files as they are, graph and manifest', async () => {
  const f = await getFixture();
  const site = path.join(root, 'site');
  const r = await exportWeb(f.modelDir, site);
  const listing = readdirSync(site, { recursive: true }).map(String).filter((n) => !n.startsWith('.')).sort();
  assert.deepEqual(listing, ['app.js', 'asr-web.json', 'graph.bin', 'index.html', 'model', 'model/model.json', 'model/weights.bin', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm']);
  assert.deepEqual(readFileSync(path.join(site, 'model/weights.bin')), readFileSync(path.join(f.modelDir, 'weights.bin')));
  const m = JSON.parse(readFileSync(path.join(site, WEB_MANIFEST_FILE), 'utf8')) as WebManifest;
  const meta = JSON.parse(readFileSync(path.join(f.modelDir, 'asr-distill.json'), 'utf8'));
  assert.deepEqual(m.student.logPriors, meta.priors);
  assert.deepEqual(m.student.context, { left: 2, right: 2 });
  assert.deepEqual(m.features, meta.features);
  assert.equal(m.grammar, 'grammar.jsgf');
  assert.equal(m.student.bytes, r.modelBytes);
  const { graph } = await buildModelGraph(await readModelSetup(f.modelDir));
  assert.deepEqual(decodeGraph(readFileSync(path.join(site, 'graph.bin')), 'graph.bin'), graph);
  // The script is self-contained: no import of another file, nothing fetched from elsewhere.
  const app = readFileSync(path.join(site, 'app.js'), 'utf8');
  assert.doesNotMatch(app, /\bfrom\s*["'][^"']+["']|import\(["']/);
  assert.doesNotMatch(readFileSync(path.join(site, 'index.html'), 'utf8'), /https?:\/\//);
  assert.equal(r.pageBytes, r.scriptBytes + r.modelBytes + r.graphBytes + r.files['index.html'] + r.files[WEB_MANIFEST_FILE] + r.files['tfjs-backend-wasm-simd.wasm']);
  // A second export into the same directory replaces it (it is export-web's own output).
  await exportWeb(f.modelDir, site);
});

test("the page's recognizer (run in Node with the tfjs forward pass) gives transcribe's words and score", async () => {
  const f = await getFixture();
  const site = path.join(root, 'site-rec');
  await exportWeb(f.modelDir, site);
  const m = JSON.parse(readFileSync(path.join(site, WEB_MANIFEST_FILE), 'utf8')) as WebManifest;
  await selectBackend('cpu');
  const net = new DnnForward((await readDnnModelDir(f.modelDir)).weights);
  const rec = new Recognizer(m, m.student, decodeGraph(readFileSync(path.join(site, 'graph.bin')), 'graph.bin'), async (x, n) => net.logits(x, n));
  const node = await transcribeFiles(f.modelDir, [f.wav16, f.wav8], { backend: 'cpu' });
  for (const [i, file] of [f.wav16, f.wav8].entries()) {
    const wav = decodeWav(readFileSync(file), file);
    const r = await rec.recognize(wav.channels[0], wav.sampleRate, file);
    assert.deepEqual(r.words, node[i].words);
    assert.deepEqual(r.timings, node[i].timings);
    assert.ok(Math.abs(r.score - node[i].score) < 1e-4 * Math.max(1, Math.abs(node[i].score)), `${r.score} vs ${node[i].score}`);
    assert.ok(Math.abs(r.audioSec - node[i].audioSec) < 1e-9);
  }
  net.dispose();
});

test('export-web refuses what the page cannot run, with messages naming the directory', async () => {
  const f = await getFixture();
  await assert.rejects(exportWeb(root, path.join(root, 'x')), { name: 'InputError', message: new RegExp(`^${root}: not a model directory`) });
  await assert.rejects(exportWeb(f.modelDir, path.join(f.modelDir, 'x'), { grammar: 'a.jsgf', lm: 'b.arpa' }), { name: 'InputError', message: 'give either --grammar or --lm, not both' });
  const damaged = path.join(root, 'damaged');
  cpSync(f.modelDir, damaged, { recursive: true });
  const w = readFileSync(path.join(damaged, 'weights.bin'));
  w[10] ^= 0xff;
  writeFileSync(path.join(damaged, 'weights.bin'), w);
  await assert.rejects(exportWeb(damaged, path.join(root, 'y')), { name: 'InputError', message: /sha256/ });
});

test('asr-distill export-web prints the page size; serve --help shows the command', async () => {
  const f = await getFixture();
  const out = path.join(root, 'cli-site');
  const r = await runCli('export-web', f.modelDir, out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${out}: page download \\d+ kB \\(script \\d+ kB, model \\d+ kB, graph \\d+ kB, wasm \\d+ kB\\)\\n$`));
  assert.match((await runCli('export-web', '--help')).stdout, /--overwrite\s+replace\s+the\s+output\s+directory/);
  const taken = path.join(root, 'taken');
  mkdirSync(taken);
  writeFileSync(path.join(taken, 'notes.txt'), 'mine');
  const refused = await runCli('export-web', f.modelDir, taken);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^asr-distill export-web: /);
  assert.equal(readFileSync(path.join(taken, 'notes.txt'), 'utf8'), 'mine');
  const help = await runCli('serve', '--help');
  assert.match(help.stdout, /asr-distill serve exp\/digits\/web/);
});

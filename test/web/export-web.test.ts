import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportWeb } from '../../src/web/export-web.js';
import { WEB_MANIFEST_FILE, type WebManifest } from '../../src/web/manifest.js';
import { Recognizer, dnnScores, ensembleScores } from '../../src/web/browser/recognizer.js';
import { decodeGraph } from '../../src/decode/graph-io.js';
import { decodeWav } from '../../src/data/wav.js';
import { buildModelGraph, transcribeFiles } from '../../src/decode/transcribe.js';
import { readModelSetup } from '../../src/decode/acoustic-model.js';
import { readDnnModelDir } from '../../src/nnet/model-dir.js';
import { DnnForward } from '../../src/nnet/tfjs/forward.js';
import { selectBackend } from '../../src/nnet/tfjs/backend.js';
import { makeWebFixture, type WebFixture } from './fixture.js';
import { runCli } from '../cli/run-cli.js';
import * as esbuild from 'esbuild';
import { refuseNodeBuiltins } from '../../src/web/bundle.js';
import { readCmvn, writeCmvn } from '../../src/features/cmvn.js';
import { globalCmvnStats } from '../../src/features/online-cmvn.js';
import { configHash } from '../../src/store/checksum.js';

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
  // The fixture's model names no training features: no online CMVN prior unless --cmvn-stats gives one.
  assert.equal(m.student.cmvnPrior, null);
  assert.equal(r.cmvnPriorFrom, undefined);
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
  const rec = new Recognizer(m, m.student, decodeGraph(readFileSync(path.join(site, 'graph.bin')), 'graph.bin'), dnnScores(async (x, n) => net.logits(x, n), m.student));
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
  // Features computed by Kaldi (import-feats): the page has no front end for them (fbank and Meyda models export).
  const kaldi = path.join(root, 'kaldi-feats');
  cpSync(f.modelDir, kaldi, { recursive: true });
  const meta = JSON.parse(readFileSync(path.join(kaldi, 'asr-distill.json'), 'utf8'));
  meta.features = { type: 'kaldi', options: null, sampleRate: 16000, frameShiftMs: 10 };
  meta.featuresHash = configHash(meta.features);
  writeFileSync(path.join(kaldi, 'asr-distill.json'), JSON.stringify(meta));
  await assert.rejects(exportWeb(kaldi, path.join(root, 'z')), { name: 'InputError', message: new RegExp(`^${kaldi}: this model was trained on features computed by Kaldi`) });
});

test('asr-distill export-web prints the page size; serve --help shows the command', async () => {
  const f = await getFixture();
  const out = path.join(root, 'cli-site');
  const r = await runCli('export-web', f.modelDir, out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${out}: page download \\d+ kB \\(script \\d+ kB, model \\d+ kB, graph \\d+ kB, wasm \\d+ kB\\)\\nonline CMVN prior \\(microphone\\): none found; give --cmvn-stats with the training features for better live results\\n$`));
  assert.match((await runCli('export-web', '--help')).stdout, /--overwrite\s+replace\s+the\s+output\s+directory/);
  const withCompare = await runCli('export-web', f.modelDir, path.join(root, 'cli-compare'), '--compare', f.ensembleDir, '--cmvn-stats', f.featsDir);
  assert.equal(withCompare.code, 0, withCompare.stderr);
  assert.match(withCompare.stdout, new RegExp(`wasm \\d+ kB\\); --compare model \\d+ kB more\\nonline CMVN prior \\(microphone\\): ${path.join(f.featsDir, 'cmvn.json')}\\n$`));
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

test('export-web --cmvn-stats: the summed statistics become the online CMVN prior; a dimension mismatch is refused', async () => {
  const f = await getFixture();
  const site = path.join(root, 'site-prior');
  const r = await exportWeb(f.modelDir, site, { cmvnStats: f.featsDir });
  assert.equal(r.cmvnPriorFrom, path.join(f.featsDir, 'cmvn.json'));
  const m = JSON.parse(readFileSync(path.join(site, WEB_MANIFEST_FILE), 'utf8')) as WebManifest;
  assert.deepEqual(m.student.cmvnPrior, globalCmvnStats(await readCmvn(f.featsDir)));
  const other = path.join(root, 'feats-dim3');
  await writeCmvn(other, { per: 'speaker', dim: 3, stats: { s: { count: 2, sum: [1, 2, 3], sumSq: [1, 2, 3] } } });
  await assert.rejects(exportWeb(f.modelDir, path.join(root, 'site-bad-prior'), { cmvnStats: path.join(other, 'cmvn.json') }), {
    name: 'InputError',
    message: `${path.join(other, 'cmvn.json')}: statistics of dim 3, but the model takes 40-dim features; give --cmvn-stats the features the model was trained on`,
  });
});

test('the page bundle refuses a Node built-in imported by our own code, naming the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
  writeFileSync(path.join(dir, 'entry.ts'), "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
  await assert.rejects(
    esbuild.build({ entryPoints: [path.join(dir, 'entry.ts')], bundle: true, platform: 'browser', write: false, logLevel: 'silent', plugins: [refuseNodeBuiltins] }),
    (e: Error) => /entry\.ts imports the Node module 'node:fs'; the web page may only bundle browser-safe modules/.test(e.message),
  );
});

test("export-web --compare: the ensemble's members beside the student; the page's ensemble recognizer gives transcribe's words and score for the ensemble", async () => {
  const f = await getFixture();
  const site = path.join(root, 'site-compare');
  const r = await exportWeb(f.modelDir, site, { compare: f.ensembleDir });
  const m = JSON.parse(readFileSync(path.join(site, WEB_MANIFEST_FILE), 'utf8')) as WebManifest;
  const c = m.compare!;
  assert.deepEqual(c.members, ['compare/01-member-01/model.json', 'compare/02-member-02/model.json']);
  assert.equal(c.combine, 'arithmetic');
  assert.deepEqual(c.context, { left: 3, right: 3 });
  assert.equal(c.graph, 'graph.bin', 'same lang and transition model: the graph is shared');
  assert.deepEqual(readFileSync(path.join(site, 'compare/02-member-02/weights.bin')), readFileSync(path.join(f.ensembleDir, 'member-02/weights.bin')));
  assert.equal(r.compareBytes, c.bytes);
  assert.ok(r.compareBytes > 0 && !Object.keys(r.files).some((k) => k.startsWith('compare/') && r.pageBytes === 0));
  await selectBackend('cpu');
  const nets = await Promise.all(['member-01', 'member-02'].map(async (d) => new DnnForward((await readDnnModelDir(path.join(f.ensembleDir, d))).weights)));
  const rec = new Recognizer(m, c, decodeGraph(readFileSync(path.join(site, c.graph)), c.graph), ensembleScores(nets.map((n) => async (x: Float32Array, k: number) => n.logits(x, k)), c.combine, c));
  const [node] = await transcribeFiles(f.ensembleDir, [f.wav16], { backend: 'cpu' });
  const wav = decodeWav(readFileSync(f.wav16), f.wav16);
  const got = await rec.recognize(wav.channels[0], wav.sampleRate, f.wav16);
  assert.deepEqual(got.words, node.words);
  assert.ok(Math.abs(got.score - node.score) < 1e-4 * Math.max(1, Math.abs(node.score)), `${got.score} vs ${node.score}`);
  for (const n of nets) n.dispose();
  await assert.rejects(exportWeb(f.ensembleDir, path.join(root, 'z')), { name: 'InputError', message: /this is an ensemble directory \(give it with --compare beside a student\)$/ });
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { decodeWav, encodeWavPcm16 } from '../../src/data/wav.js';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportWeb } from '../../src/web/export-web.js';
import { transcribeFiles } from '../../src/decode/transcribe.js';
import { makeWebFixture } from './fixture.js';
import { chromiumPath, NO_CHROMIUM } from './browser.js';
import { launchChromium, openPage } from './page-driver.js';
import type { Browser } from 'playwright-core';
import { loadFeatureConfig } from '../../src/features/config-file.js';
import type { MeydaConfig } from '../../src/features/config.js';

const browserPath = chromiumPath();
/** One Chromium for the file tests (each page in its own context): a launch takes seconds. */
let shared: Promise<Browser> | undefined;
const sharedBrowser = () => (shared ??= launchChromium(browserPath!));
after(async () => (await shared)?.close());

test('the exported page transcribes WAV files in headless Chromium exactly as transcribe does in Node (cpu backend, and the automatic choice)', { skip: browserPath ? false : NO_CHROMIUM, timeout: 180_000 }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'web-page-'));
  const f = await makeWebFixture(root);
  const site = path.join(root, 'site');
  const summary = await exportWeb(f.modelDir, site, { compare: f.ensembleDir });
  const node = await transcribeFiles(f.modelDir, [f.wav16, f.wav8], { backend: 'cpu' });
  const [ensemble] = await transcribeFiles(f.ensembleDir, [f.wav16], { backend: 'cpu' });
  assert.ok(node[0].words.length > 0, 'the fixture gives a non-empty transcript');
  const cpu = await openPage(site, await sharedBrowser(), '?backend=cpu');
  try {
    assert.match((await cpu.page.textContent('#model')) ?? '', /TF\.js cpu$/);
    const r = await cpu.transcribe(f.wav16);
    assert.equal(r.words, node[0].words.join(' '), 'cpu backend: same words as transcribe');
    assert.ok(Math.abs(r.score - node[0].score) < 1e-3 * Math.max(1, Math.abs(node[0].score)), `cpu backend: score ${r.score} vs ${node[0].score}`);
  } finally {
    await cpu.close();
  }
  // The default backend choice (auto): WebGL and wasm timed on the student, the faster kept; its
  // results must equal Node's whichever it is (the Meyda test below forces WebGL).
  const p = await openPage(site, await sharedBrowser());
  try {
    assert.match((await p.page.textContent('#model')) ?? '', /TF\.js (webgl|wasm) \((webgl [\d.]+ ms, )?wasm [\d.]+ ms per second of audio/, 'auto: the backends timed (wasm loaded from the site)');
    const atOpen = await p.downloadedBytes();
    assert.ok(atOpen <= summary.pageBytes, `the page opens with the student's bytes only (${atOpen} <= ${summary.pageBytes}); the ensemble comes with the first file`);
    for (const [i, wav] of [f.wav16, f.wav8].entries()) {
      const r = await p.transcribe(wav);
      assert.equal(r.state, 'done', r.status);
      assert.equal(r.words, node[i].words.join(' '), `${path.basename(wav)}: same words as transcribe`);
      // Same features and search; only the network runs on another engine (wasm or WebGL in the page, cpu in Node).
      assert.ok(Math.abs(r.score - node[i].score) < 1e-3 * Math.max(1, Math.abs(node[i].score)), `${path.basename(wav)}: score ${r.score} vs ${node[i].score}`);
      assert.equal(await p.page.textContent('#transcript'), node[i].words.join(' '));
      assert.ok(r.decodeMs > 0);
      if (i === 0) {
        // --compare: the ensemble beside the student, as transcribe decodes the ensemble.
        assert.equal(await p.page.getAttribute('#compare-section', 'data-words'), ensemble.words.join(' '));
        const score = Number(await p.page.getAttribute('#compare-section', 'data-score'));
        assert.ok(Math.abs(score - ensemble.score) < 1e-3 * Math.max(1, Math.abs(ensemble.score)), `ensemble score ${score} vs ${ensemble.score}`);
        assert.equal(await p.page.locator('#compare-rows tr').count(), 2);
      }
    }
    const bad = path.join(root, 'not-a.wav');
    (await import('node:fs')).writeFileSync(bad, 'hello');
    const err = await p.transcribe(bad);
    assert.equal(err.state, 'error');
    assert.match(err.status, /^error: not-a\.wav: /);
    assert.deepEqual(p.failed, [], 'every request is served by the site itself');
    const downloaded = await p.downloadedBytes();
    assert.ok(downloaded > summary.modelBytes + summary.compareBytes && downloaded <= summary.pageBytes + summary.compareBytes, `downloaded ${downloaded} bytes, site ${summary.pageBytes} + ${summary.compareBytes}`);
    const shots = process.env.ASR_WEB_SCREENSHOT_DIR ?? root;
    mkdirSync(shots, { recursive: true });
    await p.page.screenshot({ path: path.join(shots, 'export-web.png'), fullPage: true });
  } finally {
    await p.close();
  }
});

test('a model trained on Meyda mel bands: the page computes them with Meyda (bundled) and transcribes WAV files as transcribe does in Node (WebGL backend)', { skip: browserPath ? false : NO_CHROMIUM, timeout: 120_000 }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'web-meyda-'));
  const f = await makeWebFixture(root, { features: (await loadFeatureConfig('features/meyda-mel40.json')) as MeydaConfig });
  const site = path.join(root, 'site');
  await exportWeb(f.modelDir, site);
  // The 8 kHz file (resampled to the model's 16 kHz first): one file keeps the test short.
  const [node] = await transcribeFiles(f.modelDir, [f.wav8], { backend: 'cpu' });
  assert.ok(node.words.length > 0, 'the fixture gives a non-empty transcript');
  // WebGL forced (Chromium renders it with SwiftShader when there is no GPU): its float32 products give Node's words too.
  const p = await openPage(site, await sharedBrowser(), '?backend=webgl');
  try {
    assert.match((await p.page.textContent('#model')) ?? '', /TF\.js webgl \(WebGL renderer /);
    const r = await p.transcribe(f.wav8);
    assert.equal(r.state, 'done', r.status);
    assert.equal(r.words, node.words.join(' '), 'same words as transcribe');
    assert.ok(Math.abs(r.score - node.score) < 1e-3 * Math.max(1, Math.abs(node.score)), `score ${r.score} vs ${node.score}`);
    assert.deepEqual(p.failed, []);
  } finally {
    await p.close();
  }
});

test("the page listens to the microphone (Chromium's fake capture device playing a WAV): partial hypotheses, then a final transcript at the endpoint", { skip: browserPath ? false : NO_CHROMIUM, timeout: 180_000 }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'web-mic-'));
  const f = await makeWebFixture(root);
  const site = path.join(root, 'site');
  await exportWeb(f.modelDir, site);
  // 1 s of silence, the fixture's 3 s of tone bursts (gaps of 250 ms: one utterance), 1.5 s of silence.
  const speech = decodeWav(readFileSync(f.wav16), f.wav16).channels[0];
  const live = new Float32Array(16000 + speech.length + 24000);
  live.set(speech, 16000);
  const liveWav = path.join(root, 'live.wav');
  writeFileSync(liveWav, encodeWavPcm16(live, 16000));
  // wasm forced: the automatic choice's timing at load is not what this test is about.
  const p = await openPage(site, browserPath!, '?backend=wasm', ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${liveWav}`]);
  try {
    await p.page.click('#mic');
    await p.page.waitForFunction(() => document.body.dataset.state === 'heard' || document.body.dataset.state === 'error', undefined, { timeout: 60_000 });
    assert.equal(await p.page.getAttribute('body', 'data-state'), 'heard', (await p.page.textContent('#status')) ?? '');
    const words = ((await p.page.getAttribute('#result', 'data-live-words')) ?? '').split(' ').filter((w) => w);
    assert.ok(words.length > 0 && words.every((w) => f.setup.lang.lexicon.has(w)), `live words: ${words.join(' ')}`);
    assert.ok(Number(await p.page.getAttribute('#result', 'data-partials')) >= 2, 'partial hypotheses while the speech went on');
    // The page reports the time from the end of speech to the final transcript (a speed, measured by
    // `npm run bench -- web-page`, not asserted here: this machine's load makes it vary by seconds).
    // The fixture's random network rarely satisfies the decoder rule, so the rule is usually the 500 ms
    // energy rule (test/web/live.test.ts covers the decoder rule).
    const latencyMs = Number(await p.page.getAttribute('#result', 'data-live-latency-ms'));
    assert.ok(Number.isFinite(latencyMs) && latencyMs > 0, `latency ${latencyMs}`);
    assert.match((await p.page.getAttribute('#result', 'data-live-rule')) ?? '', /^(energy|decoder): /);
    await p.page.screenshot({ path: path.join(process.env.ASR_WEB_SCREENSHOT_DIR ?? root, 'export-web-mic.png'), fullPage: true });
  } finally {
    await p.close();
  }
});

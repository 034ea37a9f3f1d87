// npm run bench -- web-page: the page written by export-web in headless Chromium (issue 28): page
// download (export-web's site minus the two wasm binaries a SIMD browser does not fetch, and what
// the browser actually downloaded), load time (navigation to model + graph + wasm backend ready),
// and the time from the file's bytes to the transcript for a ~3 s file (best and median of 5), next
// to transcribe on the same file in Node (same words expected); then the same file through the
// microphone path (Chromium's fake capture device): final transcript time after the end of speech.
// Default model: a recipe-size student (3x256, context 5:5, 40 fbank; conf/default.sh --student-arch)
// with random weights over the digits lang (size and speed do not depend on the weight values), and
// 3 s of synthetic audio. A real model and file: ASR_DISTILL_WEB_MODEL=exp/.../student
// ASR_DISTILL_WEB_WAV=file.wav. Needs Chromium (CHROMIUM=path, else /usr/bin/chromium).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLangDir } from '../src/lang/lang-dir.js';
import { buildTransitionModel } from '../src/hmm/topology.js';
import { initDnnWeights } from '../src/nnet/weights.js';
import { writeDnnModelDir, type DnnModelMeta } from '../src/nnet/model-dir.js';
import { defaultFbankConfig } from '../src/features/config.js';
import { decodeWav, encodeWavPcm16 } from '../src/data/wav.js';
import { makeRng, randNormal } from '../src/data/random.js';
import { exportWeb } from '../src/web/export-web.js';
import { transcribeFiles } from '../src/decode/transcribe.js';
import { chromiumPath } from '../test/web/browser.js';
import { openPage } from '../test/web/page-driver.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

async function recipeSizeStudent(dir: string): Promise<void> {
  const langDir = path.join(root, 'data', 'lang', 'digits');
  const lang = await readLangDir(langDir);
  const tm = buildTransitionModel(lang.phones, lang.silencePhones);
  const featDim = 40;
  const context = { left: 5, right: 5 };
  const inputDim = featDim * (context.left + 1 + context.right);
  const meta: DnnModelMeta = {
    type: 'dnn', arch: { hidden: [{ units: 256 }, { units: 256 }, { units: 256 }], activation: 'relu' }, context, inputDim, numPdfs: tm.numPdfs, featDim,
    features: defaultFbankConfig(), frameShiftMs: 10, cmvn: { per: 'speaker', normVars: false }, priors: new Array<number>(tm.numPdfs).fill(Math.log(1 / tm.numPdfs)),
    trainedOn: { feats: 'random weights (web-page bench)', ali: null, numUtts: 0, numFrames: 0, date: new Date(0).toISOString() },
  };
  await writeDnnModelDir(dir, { weights: initDnnWeights(meta.arch, inputDim, tm.numPdfs, 1), meta, transitionModel: tm, langDir });
}

/**
 * The microphone path: Chromium's fake capture device plays 1 s of silence, the file, 1.5 s of
 * silence; the page decodes while the audio arrives and reports the time from the end of speech
 * (the energy endpointer's last speech frame) to the final transcript, and which endpoint rule fired.
 */
async function liveRun(site: string, chromium: string, wav: string, work: string, query: string): Promise<Record<string, unknown>> {
  const { channels, sampleRate } = decodeWav(readFileSync(wav), wav);
  const live = new Float32Array(sampleRate + channels[0].length + 1.5 * sampleRate);
  live.set(channels[0], sampleRate);
  const liveWav = path.join(work, 'live.wav');
  writeFileSync(liveWav, encodeWavPcm16(live, sampleRate));
  const page = await openPage(site, chromium, query, ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${liveWav}`]);
  try {
    await page.page.click('#mic');
    await page.page.waitForFunction(() => document.body.dataset.state === 'heard', undefined, { timeout: 60_000 });
    return {
      liveWords: await page.page.getAttribute('#result', 'data-live-words'),
      liveMsAfterSpeechEnd: +Number(await page.page.getAttribute('#result', 'data-live-latency-ms')).toFixed(1),
      liveEndpointRule: await page.page.getAttribute('#result', 'data-live-rule'),
      livePartials: Number(await page.page.getAttribute('#result', 'data-partials')),
    };
  } finally {
    await page.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const chromium = chromiumPath();
  if (!chromium) return { skipped: 'no Chromium installed' };
  const work = await mkdtemp(path.join(tmpdir(), 'web-page-bench-'));
  const modelDir = process.env.ASR_DISTILL_WEB_MODEL ?? path.join(work, 'student');
  if (!process.env.ASR_DISTILL_WEB_MODEL) await recipeSizeStudent(modelDir);
  const site = path.join(work, 'site');
  // ASR_DISTILL_WEB_COMPARE=ENSEMBLE_DIR: export-web --compare (the ensemble is decoded after the student on each file).
  const compareDir = process.env.ASR_DISTILL_WEB_COMPARE;
  const exported = await exportWeb(modelDir, site, { compare: compareDir });
  let wav = process.env.ASR_DISTILL_WEB_WAV;
  if (!wav) {
    wav = path.join(work, 'three-seconds.wav');
    const rng = makeRng(3, 'web-bench');
    writeFileSync(wav, encodeWavPcm16(Float32Array.from({ length: 48000 }, (_, i) => 0.2 * Math.sin(i / (5 + (i >> 13))) + 0.02 * randNormal(rng)), 16000));
  }
  const [node] = await transcribeFiles(modelDir, [wav], {});
  // ASR_DISTILL_WEB_BACKEND=webgl|wasm|cpu: the page's ?backend= (default: its automatic choice).
  const backendQuery = process.env.ASR_DISTILL_WEB_BACKEND ? `?backend=${process.env.ASR_DISTILL_WEB_BACKEND}` : '';
  const page = await openPage(site, chromium, backendQuery);
  try {
    const runs = [];
    for (let i = 0; i < 5; i++) {
      // A new name each time: the page's change handler and the wait key on it.
      const copy = path.join(work, `run${i}-${path.basename(wav)}`);
      copyFileSync(wav, copy);
      runs.push(await page.transcribe(copy));
    }
    const ms = runs.map((r) => r.decodeMs).sort((a, b) => a - b);
    const live = await liveRun(site, chromium, wav, work, backendQuery);
    return {
      model: process.env.ASR_DISTILL_WEB_MODEL ?? 'random-weight 3x256 student, context 5:5, digits lang',
      backend: await page.page.getAttribute('body', 'data-backend'),
      backendChoice: await page.page.textContent('#model'),
      backendChoiceMs: Math.round(Number(await page.page.getAttribute('body', 'data-backend-choice-ms'))),
      audioSec: +node.audioSec.toFixed(2),
      siteBytes: Object.values(exported.files).reduce((a, b) => a + b, 0),
      pageBytes: exported.pageBytes,
      scriptBytes: exported.scriptBytes,
      modelBytes: exported.modelBytes,
      graphBytes: exported.graphBytes,
      downloadedBytes: await page.downloadedBytes(),
      pageLoadMs: Math.round(page.loadMs),
      pageDecodeMsBest: +ms[0].toFixed(1),
      pageDecodeMsMedian: +ms[2].toFixed(1),
      pageRtfMedian: +(ms[2] / 1000 / node.audioSec).toFixed(4),
      nodeTranscribeMs: +(node.decodeSec * 1000).toFixed(1),
      sameWords: runs.every((r) => r.words === node.words.join(' ')),
      words: node.words.join(' '),
      ...(compareDir ? { compareBytes: exported.compareBytes, compareWords: await page.page.getAttribute('#compare-section', 'data-words') } : {}),
      ...live,
    };
  } finally {
    await page.close();
  }
}

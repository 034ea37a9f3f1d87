/// <reference lib="dom" />
// Browser entry of the page written by `asr-distill export-web` (bundled by esbuild into app.js):
// loads asr-web.json, the decoding graph and the TF.js model from the site itself (no network
// beyond it), then transcribes WAV files dropped on the page or chosen with the file input.
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { decodeWav } from '../../data/wav.js';
import { decodeGraph } from '../../decode/graph-io.js';
import type { DecodingGraph } from '../../decode/graph.js';
import { WEB_MANIFEST_FILE, WEB_MANIFEST_FORMAT, type WebEnsemble, type WebManifest, type WebModel } from '../manifest.js';
import { Recognizer, dnnScores, ensembleScores, type ForwardLogits, type Recognition } from './recognizer.js';
import { OnlineRecognizer } from './online.js';
import { LiveSession } from './live.js';
import { pickFastestBackend, startBackend, type BackendChoice } from './backend.js';

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el;
};

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}; is the site complete (asr-distill export-web)?`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * The saved model ends in softmax (nnet/tfjs/layers-model.ts saveDnn); the decoder scores from logits
 * (log-softmax minus log prior, as decode/acoustic-model.ts does for a single DNN), so the output
 * layer is loaded with a linear activation instead.
 */
async function loadLogitsModel(modelJson: string): Promise<LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(await fetchBytes(modelJson))) as {
    modelTopology: { config: { layers: { config: { activation?: string } }[] } };
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const layers = json.modelTopology.config.layers;
  layers[layers.length - 1].config.activation = 'linear';
  const base = new URL(modelJson, location.href);
  const group = json.weightsManifest[0];
  const weightData = (await Promise.all(group.paths.map((p) => fetchBytes(new URL(p, base).href)))).map((b) => b.slice().buffer);
  return loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs: group.weights, weightData: tf.io.concatenateArrayBuffers(weightData) }));
}

function forwardOf(net: LayersModel, inputDim: number): ForwardLogits {
  return async (x, numFrames) => {
    const input = tf.tensor2d(x, [numFrames, inputDim]);
    // One batch: predict's default of 32 rows per batch made 300 frames ~4x slower (slicing and
    // concatenating; 170-190 vs 44-49 ms on wasm in headless Chromium on this machine).
    const out = net.predict(input, { batchSize: Math.max(numFrames, 1) }) as tf.Tensor;
    const logits = (await out.data()) as Float32Array;
    tf.dispose([input, out]);
    return logits;
  };
}

/** The --compare ensemble: every member's network (logits), their posteriors combined as decode/acoustic-model.ts does. */
async function loadCompare(manifest: WebManifest, e: WebEnsemble, studentGraph: DecodingGraph): Promise<Recognizer> {
  // The student's graph when export-web found them equal (same file name): fetched once.
  const same = e.graph === manifest.student.graph;
  const [graphBytes, ...nets] = await Promise.all([same ? null : fetchBytes(e.graph), ...e.members.map(loadLogitsModel)]);
  const graph = graphBytes ? decodeGraph(graphBytes, e.graph) : studentGraph;
  return new Recognizer(manifest, e, graph, ensembleScores(nets.map((n) => forwardOf(n, e.inputDim)), e.combine, e));
}

/** "wasm", or with an automatic choice "wasm (webgl 12.3 ms, wasm 4.5 ms per second of audio; WebGL renderer R)". */
function describeBackend(c: BackendChoice): string {
  const timed = Object.entries(c.timings).map(([b, ms]) => `${b} ${ms.toFixed(1)} ms`);
  const why = [timed.length > 0 ? `${timed.join(', ')} per second of audio` : '', c.renderer ? `WebGL renderer ${c.renderer}` : ''].filter((x) => x);
  return why.length > 0 ? `${c.backend} (${why.join('; ')})` : c.backend;
}

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

/** Bytes the page has downloaded so far (the Resource Timing API's body sizes). */
function downloadedBytes(): number {
  let total = 0;
  for (const e of performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')) as PerformanceResourceTiming[]) total += e.encodedBodySize;
  return total;
}

async function main(): Promise<void> {
  const status = $('status');
  const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes(WEB_MANIFEST_FILE))) as WebManifest;
  if (manifest.format !== WEB_MANIFEST_FORMAT) throw new Error(`${WEB_MANIFEST_FILE}: format ${manifest.format}, expected ${WEB_MANIFEST_FORMAT}; export the model again`);
  const wanted = new URLSearchParams(location.search).get('backend') ?? 'auto';
  let choice = await startBackend(wanted);
  const m = manifest.student;
  const [graphBytes, net] = await Promise.all([fetchBytes(m.graph), loadLogitsModel(m.modelJson)]);
  const graph = decodeGraph(graphBytes, m.graph);
  const forward = forwardOf(net, m.inputDim);
  if (wanted === 'auto') {
    // One second of audio as the page sees it: a file's frames in one batch and a live step (1024
    // samples at 48 kHz: 2 frames).
    const file = new Float32Array(100 * m.inputDim);
    const step = new Float32Array(2 * m.inputDim);
    choice = await pickFastestBackend(async () => {
      await forward(file, 100);
      await forward(step, 2);
    });
  }
  const scores = dnnScores(forward, m);
  const recognizer = new Recognizer(manifest, m, graph, scores);
  const online = new OnlineRecognizer(manifest, m, graph, scores, m.cmvnPrior);
  // Compile the backend's kernels now, so the first file's timing is the decoder's, not the warm-up's.
  tf.dispose(net.predict(tf.zeros([1, m.inputDim])) as tf.Tensor);
  const describe = (w: WebModel, what: string) => `${w.name}: ${what}${w.inputDim} inputs (${w.context.left}+1+${w.context.right} frames x ${w.featDim}), ${w.numPdfs} pdfs, ${formatBytes(w.bytes)}`;
  $('model').textContent = `${describe(m, '')}; grammar ${manifest.grammar}; TF.js ${describeBackend(choice)}`;
  document.body.dataset.backend = choice.backend;
  if (choice.choiceMs !== undefined) document.body.dataset.backendChoiceMs = String(choice.choiceMs);
  // The ensemble is fetched with the first file, so that the student's page opens with the student's bytes only.
  let compare: Promise<Recognizer> | undefined;
  const compareRecognizer = manifest.compare ? () => (compare ??= loadCompare(manifest, manifest.compare!, graph)) : undefined;
  if (manifest.compare) {
    $('compare-model').textContent = describe(manifest.compare, `${manifest.compare.members.length} networks, `);
    $('compare-section').hidden = false;
  }
  $('download').textContent = formatBytes(downloadedBytes());
  status.textContent = 'ready: drop a WAV file or choose one';
  document.body.dataset.state = 'ready';

  const transcribe = async (file: File): Promise<void> => {
    document.body.dataset.state = 'busy';
    status.textContent = `decoding ${file.name}...`;
    try {
      const wav = decodeWav(new Uint8Array(await file.arrayBuffer()), file.name);
      const r = await recognizer.recognize(wav.channels[0], wav.sampleRate, file.name);
      $('transcript').textContent = r.words.join(' ');
      $('stats').textContent = `${file.name}: ${r.audioSec.toFixed(2)} s of audio decoded in ${(r.decodeSec * 1000).toFixed(0)} ms (real-time factor ${(r.decodeSec / Math.max(r.audioSec, 1e-9)).toFixed(3)}), score ${r.score.toFixed(2)}${r.reachedFinal ? '' : ' (partial: no final state reached)'}`;
      $('result').dataset.words = r.words.join(' ');
      $('result').dataset.score = String(r.score);
      $('result').dataset.decodeMs = String(r.decodeSec * 1000);
      if (compareRecognizer) {
        status.textContent = `decoding ${file.name} with the ensemble...`;
        const ensemble = await compareRecognizer();
        const c = await ensemble.recognize(wav.channels[0], wav.sampleRate, file.name);
        const row = (w: WebModel, x: Recognition) => [w.name, x.words.join(' '), `${(x.decodeSec * 1000).toFixed(0)} ms`, formatBytes(w.bytes)];
        const body = $('compare-rows');
        body.replaceChildren(
          ...[row(m, r), row(ensemble.model, c)].map((cells) => {
            const tr = document.createElement('tr');
            for (const text of cells) tr.appendChild(document.createElement('td')).textContent = text;
            return tr;
          }),
        );
        $('compare-section').dataset.words = c.words.join(' ');
        $('compare-section').dataset.score = String(c.score);
      }
      status.textContent = 'done';
      document.body.dataset.state = 'done';
    } catch (e) {
      status.textContent = `error: ${(e as Error).message}`;
      document.body.dataset.state = 'error';
    }
  };
  $('mic').addEventListener('click', () => {
    ($('mic') as HTMLButtonElement).disabled = true;
    listen(online).catch((e: Error) => {
      status.textContent = `error: microphone: ${e.message}`;
      document.body.dataset.state = 'error';
    });
  });
  const input = $('file') as HTMLInputElement;
  input.addEventListener('change', () => {
    if (input.files?.[0]) void transcribe(input.files[0]);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const f = e.dataTransfer?.files[0];
    if (f) void transcribe(f);
  });
}

/** Samples per chunk from the capture worklet: 1024 is 21 ms at 48 kHz, the granularity of the endpoint. */
const CHUNK = 1024;

/**
 * The capture worklet (inlined as a Blob, so the site ships one script): it runs on the audio
 * thread and posts chunks of CHUNK samples to the page, so nothing is lost when the page's thread
 * is busy (a ScriptProcessorNode drops audio then: it lost ~0.8 s at the start of an utterance in
 * headless Chromium on this machine). It outputs nothing.
 */
const CAPTURE_WORKLET = `registerProcessor('asr-capture', class extends AudioWorkletProcessor {
  constructor() { super(); this.buf = new Float32Array(${CHUNK}); this.n = 0; }
  process(inputs) {
    const x = inputs[0] && inputs[0][0];
    if (x) for (let i = 0; i < x.length; i++) {
      this.buf[this.n++] = x[i];
      if (this.n === this.buf.length) { this.port.postMessage(this.buf.slice()); this.n = 0; }
    }
    return true;
  }
});`;

/**
 * Live recognition from the microphone, decoded while it arrives (live.ts: energy endpointer,
 * online recognizer, the decoder's endpoint rule after 300 ms of silence, else the energy rule's
 * 500 ms). The page measures the time from the end of speech (the last frame the energy endpointer
 * took for speech) to the final transcript; the capture time of sample s is t0 + s / rate, t0 the
 * earliest arrival of any chunk minus its length in time (a chunk can arrive late, never early).
 */
async function listen(online: OnlineRecognizer): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 } });
  const ctx = new AudioContext();
  const rate = ctx.sampleRate;
  const session = new LiveSession(online, rate);
  let utterance = 0;
  /** Samples fed so far. */
  let numSamples = 0;
  const show = (id: string, text: string) => ($(id).textContent = text);
  const result = $('result');
  $('status').textContent = 'listening: speak';
  document.body.dataset.state = 'listening';

  /** Capture time (performance.now) of sample 0: see above. */
  let t0 = Infinity;
  const rules = { decoder: 'decoder: final state after 300 ms of silence', energy: 'energy: 500 ms of silence' };
  const handle = async (x: Float32Array, arrivedAt: number): Promise<void> => {
    numSamples += x.length;
    t0 = Math.min(t0, arrivedAt - (numSamples / rate) * 1000);
    for (const e of await session.feed(x)) {
      if (e.kind === 'start') {
        show('partial', '');
      } else if (e.kind === 'partial') {
        show('partial', `${e.words.join(' ')}...`);
        result.dataset.partials = String(Number(result.dataset.partials ?? 0) + 1);
      } else {
        const latencyMs = performance.now() - (t0 + (e.speechEnd / rate) * 1000);
        const words = e.result.words.join(' ');
        show('transcript', words);
        show('partial', '');
        show('stats', `utterance ${++utterance}: ${e.audioSec.toFixed(2)} s decoded while it was spoken; final transcript ${latencyMs.toFixed(0)} ms after the end of speech (${rules[e.rule]})`);
        result.dataset.liveWords = words;
        result.dataset.liveLatencyMs = String(latencyMs);
        result.dataset.liveRule = rules[e.rule];
        document.body.dataset.state = 'heard';
      }
    }
  };

  const url = URL.createObjectURL(new Blob([CAPTURE_WORKLET], { type: 'text/javascript' }));
  await ctx.audioWorklet.addModule(url);
  URL.revokeObjectURL(url);
  const capture = new AudioWorkletNode(ctx, 'asr-capture');
  let queue = Promise.resolve();
  capture.port.onmessage = (ev: MessageEvent<Float32Array>) => {
    const arrivedAt = performance.now();
    queue = queue.then(() => handle(ev.data, arrivedAt)).catch((e: Error) => {
      $('status').textContent = `error: live decoding: ${e.message}`;
      document.body.dataset.state = 'error';
    });
  };
  ctx.createMediaStreamSource(stream).connect(capture);
  // Connected to the output (silent) so that the graph pulls the worklet.
  capture.connect(ctx.destination);
}

main().catch((e: Error) => {
  $('status').textContent = `error: ${e.message}`;
  document.body.dataset.state = 'error';
});

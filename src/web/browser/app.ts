/// <reference lib="dom" />
// Browser entry of the page written by `asr-distill export-web` (bundled by esbuild into app.js):
// loads asr-web.json, the decoding graph and the TF.js model from the site itself (no network
// beyond it), then transcribes WAV files dropped on the page or chosen with the file input.
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { decodeWav } from '../../data/wav.js';
import { decodeGraph } from '../../decode/graph-io.js';
import { WEB_MANIFEST_FILE, WEB_MANIFEST_FORMAT, type WebManifest, type WebModel } from '../manifest.js';
import { Recognizer, type ForwardLogits } from './recognizer.js';
import { Endpointer } from './endpointer.js';

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
 * wasm (its .wasm files are in the site root) when it initialises, else the plain JS cpu backend;
 * `?backend=cpu` in the address forces cpu (to compare, or where wasm misbehaves).
 */
async function chooseBackend(): Promise<string> {
  const wanted = new URLSearchParams(location.search).get('backend');
  if (wanted !== null && wanted !== 'wasm' && wanted !== 'cpu') throw new Error(`?backend=${wanted}: give wasm or cpu`);
  setWasmPaths(new URL('./', location.href).href);
  if (wanted === 'cpu') {
    await tf.setBackend('cpu');
    return 'cpu';
  }
  try {
    if (await tf.setBackend('wasm')) return 'wasm';
  } catch {
    // fall through to cpu (e.g. WebAssembly disabled)
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

/**
 * The saved model ends in softmax (nnet/model.ts saveLayersModel); the decoder scores from logits
 * (log-softmax minus log prior, as decode/acoustic-model.ts does for a single DNN), so the output
 * layer is loaded with a linear activation instead.
 */
async function loadLogitsModel(model: WebModel): Promise<LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(await fetchBytes(model.modelJson))) as {
    modelTopology: { config: { layers: { config: { activation?: string } }[] } };
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const layers = json.modelTopology.config.layers;
  layers[layers.length - 1].config.activation = 'linear';
  const base = new URL(model.modelJson, location.href);
  const group = json.weightsManifest[0];
  const weightData = (await Promise.all(group.paths.map((p) => fetchBytes(new URL(p, base).href)))).map((b) => b.slice().buffer);
  return loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs: group.weights, weightData: tf.io.concatenateArrayBuffers(weightData) }));
}

function forwardOf(net: LayersModel, inputDim: number): ForwardLogits {
  return async (x, numFrames) => {
    const input = tf.tensor2d(x, [numFrames, inputDim]);
    const out = net.predict(input) as tf.Tensor;
    const logits = (await out.data()) as Float32Array;
    tf.dispose([input, out]);
    return logits;
  };
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
  const backend = await chooseBackend();
  const m = manifest.student;
  const [graphBytes, net] = await Promise.all([fetchBytes(m.graph), loadLogitsModel(m)]);
  const recognizer = new Recognizer(manifest, m, decodeGraph(graphBytes, m.graph), forwardOf(net, m.inputDim));
  // Compile the backend's kernels now, so the first file's timing is the decoder's, not the warm-up's.
  tf.dispose(net.predict(tf.zeros([1, m.inputDim])) as tf.Tensor);
  $('model').textContent = `${m.name}: ${m.inputDim} inputs (${m.context.left}+1+${m.context.right} frames x ${m.featDim}), ${m.numPdfs} pdfs, ${formatBytes(m.bytes)}; grammar ${manifest.grammar}; TF.js ${backend}`;
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
      status.textContent = 'done';
      document.body.dataset.state = 'done';
    } catch (e) {
      status.textContent = `error: ${(e as Error).message}`;
      document.body.dataset.state = 'error';
    }
  };
  $('mic').addEventListener('click', () => {
    ($('mic') as HTMLButtonElement).disabled = true;
    listen(recognizer).catch((e: Error) => {
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

/** Seconds of audio kept before the detected start of speech (its onset is quieter than the threshold). */
const PRE_ROLL_SEC = 0.3;
/** Partial hypotheses while speech goes on, at most this often. */
const PARTIAL_EVERY_MS = 500;

/**
 * Live recognition from the microphone: energy endpointing (endpointer.ts) cuts utterances; while
 * one goes on, the audio so far is decoded every PARTIAL_EVERY_MS for a partial hypothesis; at its
 * end the whole utterance is decoded for the final transcript. CMVN uses the utterance's own
 * statistics (as for files), not an online sliding window.
 */
async function listen(recognizer: Recognizer): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 } });
  const ctx = new AudioContext();
  const rate = ctx.sampleRate;
  const endpointer = new Endpointer(rate);
  // Samples from absolute index `bufStart` on; trimmed to the pre-roll between utterances.
  let buf = new Float32Array(0);
  let bufStart = 0;
  let segStart = -1;
  let busy = false;
  let lastPartial = 0;
  let utterance = 0;
  const slice = (from: number, to: number) => buf.slice(from - bufStart, to - bufStart);
  const show = (id: string, text: string) => ($(id).textContent = text);
  $('status').textContent = 'listening: speak';
  document.body.dataset.state = 'listening';
  // ScriptProcessorNode, not an AudioWorklet: the worklet would be a second script file to ship.
  const proc = ctx.createScriptProcessor(2048, 1, 1);
  proc.onaudioprocess = (ev) => {
    const x = ev.inputBuffer.getChannelData(0);
    const grown = new Float32Array(buf.length + x.length);
    grown.set(buf);
    grown.set(x, buf.length);
    buf = grown;
    for (const e of endpointer.feed(x)) {
      if (e.kind === 'start') {
        segStart = Math.max(bufStart, e.sample - Math.round(PRE_ROLL_SEC * rate));
        show('partial', '');
      } else if (segStart >= 0) {
        const audio = slice(segStart, e.sample);
        const endpointAt = performance.now();
        segStart = -1;
        const name = `utterance ${++utterance}`;
        void recognizer.recognize(audio, rate, name).then((r) => {
          const latencyMs = performance.now() - endpointAt;
          show('transcript', r.words.join(' '));
          show('partial', '');
          show('stats', `${name}: ${r.audioSec.toFixed(2)} s of speech; final transcript ${latencyMs.toFixed(0)} ms after the endpoint (which comes 500 ms of silence after the speech), decode ${(r.decodeSec * 1000).toFixed(0)} ms`);
          $('result').dataset.liveWords = r.words.join(' ');
          $('result').dataset.liveLatencyMs = String(latencyMs);
          document.body.dataset.state = 'heard';
        });
      }
    }
    if (segStart < 0) {
      const keep = Math.round(PRE_ROLL_SEC * rate);
      if (buf.length > keep) {
        bufStart += buf.length - keep;
        buf = buf.slice(buf.length - keep);
      }
    } else if (!busy && performance.now() - lastPartial > PARTIAL_EVERY_MS) {
      busy = true;
      lastPartial = performance.now();
      void recognizer.recognize(slice(segStart, bufStart + buf.length), rate, 'partial').then((r) => {
        busy = false;
        if (segStart >= 0) {
          show('partial', `${r.words.join(' ')}...`);
          $('result').dataset.partials = String(Number($('result').dataset.partials ?? 0) + 1);
        }
      });
    }
  };
  ctx.createMediaStreamSource(stream).connect(proc);
  proc.connect(ctx.destination);
}

main().catch((e: Error) => {
  $('status').textContent = `error: ${e.message}`;
  document.body.dataset.state = 'error';
});

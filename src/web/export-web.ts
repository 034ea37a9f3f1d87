// `export-web`: a model directory as a static web page that transcribes WAV files offline: the
// bundled script, TF.js's wasm binaries, the model's own TF.js files, the decoding graph and
// asr-web.json (manifest.ts). Everything is served from the site; nothing comes from a CDN.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readModelSetup } from '../decode/acoustic-model.js';
import { buildModelGraph, type GraphChoice } from '../decode/transcribe.js';
import { DECODE_DEFAULTS } from '../decode/decode.js';
import { encodeGraph } from '../decode/graph-io.js';
import { readDnnModelDir } from '../nnet/model-dir.js';
import { MODEL_JSON } from '../nnet/model.js';
import { withOutputDir } from '../store/output-dir.js';
import { bundlePage } from './bundle.js';
import { pageHtml } from './page-html.js';
import { WEB_MANIFEST_FILE, WEB_MANIFEST_FORMAT, type WebManifest } from './manifest.js';

/** TF.js wasm binaries (plain, SIMD, threaded SIMD: the backend fetches the one the browser supports). */
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export interface ExportWebOptions extends GraphChoice {
  overwrite?: boolean;
}

export interface ExportWebSummary {
  outDir: string;
  /** Bytes of every file in the site. */
  files: Record<string, number>;
  /** Bytes the page downloads in a browser with WebAssembly SIMD: everything but the other two wasm binaries. */
  pageBytes: number;
  modelBytes: number;
  graphBytes: number;
  scriptBytes: number;
}

/**
 * Write the site for the DNN in `modelDir` (a student or any single network from `train`/`distill`)
 * to `outDir`. The weights' checksums are verified (readDnnModelDir) before they are copied.
 * Refuses ensembles, GMMs and non-fbank front ends with an InputError saying what to do.
 */
export async function exportWeb(modelDir: string, outDir: string, options: ExportWebOptions = {}): Promise<ExportWebSummary> {
  const setup = await readModelSetup(modelDir);
  if (setup.kind !== 'dnn') {
    throw new InputError(`${modelDir}: export-web exports a single DNN (a student, or one model from train); this is ${setup.kind === 'gmm' ? 'a GMM' : 'an ensemble'} directory`);
  }
  const features = setup.featureConfig;
  if (features.type !== 'fbank') {
    throw new InputError(`${modelDir}: the page computes Kaldi fbank features only; this model was trained on '${features.type}' features`);
  }
  const dnn = await readDnnModelDir(modelDir);
  const { graph, grammarFile } = await buildModelGraph(setup, options);
  const graphBytes = encodeGraph(graph);
  const modelJsonText = await fs.readFile(path.join(modelDir, MODEL_JSON), 'utf8');
  const weightPaths = (JSON.parse(modelJsonText) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
  const { code } = await bundlePage();
  const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const modelName = path.basename(path.resolve(modelDir));

  return withOutputDir(outDir, { command: 'export-web', overwrite: options.overwrite }, async (work) => {
    const files: Record<string, number> = {};
    const put = async (name: string, data: Uint8Array | string) => {
      await fs.mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await fs.writeFile(path.join(work, name), data);
      files[name] = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    };
    let modelBytes = 0;
    await put(`model/${MODEL_JSON}`, modelJsonText);
    modelBytes += files[`model/${MODEL_JSON}`];
    for (const p of weightPaths) {
      await put(`model/${p}`, await fs.readFile(path.join(modelDir, p)));
      modelBytes += files[`model/${p}`];
    }
    await put('graph.bin', graphBytes);
    const manifest: WebManifest = {
      format: WEB_MANIFEST_FORMAT,
      features,
      search: { acousticScale: DECODE_DEFAULTS.acousticScale, beam: DECODE_DEFAULTS.beam, maxActive: DECODE_DEFAULTS.maxActive, wordInsPenalty: DECODE_DEFAULTS.wordInsPenalty },
      grammar: path.basename(grammarFile),
      student: {
        name: modelName,
        modelJson: `model/${MODEL_JSON}`,
        context: dnn.meta.context,
        featDim: dnn.meta.featDim,
        inputDim: dnn.meta.inputDim,
        numPdfs: dnn.meta.numPdfs,
        logPriors: dnn.meta.priors,
        cmvn: { per: dnn.meta.cmvn.per, normVars: dnn.meta.cmvn.normVars },
        bytes: modelBytes,
        graph: 'graph.bin',
      },
    };
    await put(WEB_MANIFEST_FILE, JSON.stringify(manifest) + '\n');
    await put('app.js', code);
    await put('index.html', pageHtml(modelName));
    for (const w of WASM_FILES) await put(w, await fs.readFile(path.join(wasmDir, w)));
    const notFetched = new Set(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']);
    const pageBytes = Object.entries(files).reduce((n, [f, b]) => n + (notFetched.has(f) ? 0 : b), 0);
    return { outDir, files, pageBytes, modelBytes, graphBytes: graphBytes.byteLength, scriptBytes: code.byteLength };
  });
}

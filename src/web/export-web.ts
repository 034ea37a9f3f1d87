// `export-web`: a model directory as a static web page that transcribes WAV files and the
// microphone offline: the bundled script, TF.js's wasm binaries, the model's own TF.js files, the
// decoding graph and asr-web.json (manifest.ts); with --compare, an ensemble's files beside them.
// Everything is served from the site; nothing comes from a CDN.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readModelSetup } from '../decode/acoustic-model.js';
import { buildModelGraph, type GraphChoice } from '../decode/transcribe.js';
import { DECODE_DEFAULTS } from '../decode/decode.js';
import { encodeGraph } from '../decode/graph-io.js';
import { readDnnModelDir, type DnnModelMeta } from '../nnet/model-dir.js';
import { loadAcousticModel } from '../nnet/ensemble.js';
import { describeFeatureDifferences, diffFeatureConfigs } from '../features/feature-match.js';
import type { FbankConfig, MeydaConfig } from '../features/config.js';
import { MODEL_JSON } from '../nnet/tfjs/layers-model.js';
import { withOutputDir } from '../store/output-dir.js';
import { pathExists } from '../store/paths.js';
import { CMVN_FILE, readCmvn } from '../features/cmvn.js';
import type { CmvnAccumulator } from '../features/cmvn-stats.js';
import { globalCmvnStats } from '../features/online-cmvn.js';
import { bundlePage } from './bundle.js';
import { pageHtml } from './page-html.js';
import { WEB_MANIFEST_FILE, WEB_MANIFEST_FORMAT, type WebManifest, type WebModel } from './manifest.js';

/** TF.js wasm binaries (plain, SIMD, threaded SIMD: the backend fetches the one the browser supports). */
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export interface ExportWebOptions extends GraphChoice {
  overwrite?: boolean;
  /**
   * FEATS_DIR (or its cmvn.json) whose statistics, summed, are the live path's online CMVN prior.
   * Default: the features the model was trained on (asr-distill.json trainedOn.feats), when their
   * cmvn.json is still there.
   */
  cmvnStats?: string;
  /** An ensemble (ENSEMBLE_DIR, or another DNN) decoded beside the student on files, to show what distillation buys. */
  compare?: string;
}

export interface ExportWebSummary {
  outDir: string;
  /** Bytes of every file in the site. */
  files: Record<string, number>;
  /** Bytes the page downloads for the student in a browser with WebAssembly SIMD: everything but the other two wasm binaries and the --compare model. */
  pageBytes: number;
  /** Bytes of the --compare model's files (0 without it). */
  compareBytes: number;
  modelBytes: number;
  graphBytes: number;
  scriptBytes: number;
  /** The cmvn.json whose statistics are the online CMVN prior (undefined: none). */
  cmvnPriorFrom?: string;
}

/** A model's TF.js files: model.json's text and its weights files (relative to the model directory). */
async function layersFiles(dir: string): Promise<{ modelJsonText: string; weightPaths: string[] }> {
  const modelJsonText = await fs.readFile(path.join(dir, MODEL_JSON), 'utf8');
  const weightPaths = (JSON.parse(modelJsonText) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
  return { modelJsonText, weightPaths };
}

/** The page's description of a network with the metadata `meta` whose model.json is at `modelJson` in the site. */
function webModel(name: string, modelJson: string, meta: DnnModelMeta, graph: string, cmvnPrior: CmvnAccumulator | null): WebModel {
  return {
    name,
    modelJson,
    context: meta.context,
    featDim: meta.featDim,
    inputDim: meta.inputDim,
    numPdfs: meta.numPdfs,
    logPriors: meta.priors,
    cmvn: { per: meta.cmvn.per, normVars: meta.cmvn.normVars },
    cmvnPrior,
    bytes: 0,
    graph,
  };
}

/**
 * Write the site for the DNN in `modelDir` (a student or any single network from `train`/`distill`)
 * to `outDir`; with `compare`, an ensemble (or another DNN) decoded beside it on files. The weights'
 * checksums are verified (readDnnModelDir) before they are copied. Refuses GMMs, an ensemble as the
 * main model and features computed by Kaldi (no front end in the page) with an InputError saying what to do.
 */
export async function exportWeb(modelDir: string, outDir: string, options: ExportWebOptions = {}): Promise<ExportWebSummary> {
  const setup = await readModelSetup(modelDir);
  if (setup.kind !== 'dnn') {
    throw new InputError(`${modelDir}: export-web exports a single DNN (a student, or one model from train); this is ${{ gmm: 'a GMM', ensemble: 'an ensemble', specialists: 'a generalist + specialists' }[setup.kind]} directory${setup.kind === 'ensemble' ? ' (give it with --compare beside a student)' : ''}`);
  }
  const features = setup.featureConfig;
  if (features.type === 'kaldi') {
    throw new InputError(`${modelDir}: this model was trained on features computed by Kaldi (import-feats), which the page cannot compute from audio; export a model trained on features asr-distill computes (asr-distill features: fbank or meyda)`);
  }
  const dnn = await readDnnModelDir(modelDir);
  const prior = dnn.meta.cmvn.per === 'none' ? { stats: null } : await cmvnPrior(dnn.meta.trainedOn.feats, dnn.meta.featDim, options.cmvnStats);
  const { graph, grammarFile } = await buildModelGraph(setup, options);
  const graphBytes = encodeGraph(graph);
  const studentFiles = await layersFiles(modelDir);
  const compare = options.compare === undefined ? undefined : await compareModel(options.compare, modelDir, features, options, graphBytes);
  const { code } = await bundlePage();
  const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const modelName = path.basename(path.resolve(modelDir));

  return withOutputDir(outDir, { command: 'export-web', overwrite: options.overwrite }, async (work) => {
    const files: Record<string, number> = {};
    const put = async (name: string, data: Uint8Array | string) => {
      await fs.mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await fs.writeFile(path.join(work, name), data);
      files[name] = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      return files[name];
    };
    /** Copy a model's TF.js files under `siteDir`; returns their bytes. */
    const putModel = async (dir: string, siteDir: string, f: { modelJsonText: string; weightPaths: string[] }) => {
      let bytes = await put(`${siteDir}/${MODEL_JSON}`, f.modelJsonText);
      for (const p of f.weightPaths) bytes += await put(`${siteDir}/${p}`, await fs.readFile(path.join(dir, p)));
      return bytes;
    };
    const student = webModel(modelName, `model/${MODEL_JSON}`, dnn.meta, 'graph.bin', prior.stats);
    student.bytes = await putModel(modelDir, 'model', studentFiles);
    await put('graph.bin', graphBytes);
    const manifest: WebManifest = {
      format: WEB_MANIFEST_FORMAT,
      features,
      search: { acousticScale: DECODE_DEFAULTS.acousticScale, beam: DECODE_DEFAULTS.beam, maxActive: DECODE_DEFAULTS.maxActive, wordInsPenalty: DECODE_DEFAULTS.wordInsPenalty },
      grammar: path.basename(grammarFile),
      student,
    };
    if (compare) {
      const members: string[] = [];
      let bytes = 0;
      for (const [i, m] of compare.members.entries()) {
        const siteDir = `compare/${String(i + 1).padStart(2, '0')}-${path.basename(m.dir)}`;
        bytes += await putModel(m.dir, siteDir, m.files);
        members.push(`${siteDir}/${MODEL_JSON}`);
      }
      const graphFile = compare.graphBytes ? 'graph-compare.bin' : 'graph.bin';
      if (compare.graphBytes) await put(graphFile, compare.graphBytes);
      manifest.compare = { ...webModel(compare.name, members[0], compare.meta, graphFile, null), bytes, combine: compare.combine, members };
    }
    await put(WEB_MANIFEST_FILE, JSON.stringify(manifest) + '\n');
    await put('app.js', code);
    await put('index.html', pageHtml(modelName));
    for (const w of WASM_FILES) await put(w, await fs.readFile(path.join(wasmDir, w)));
    const notFetched = new Set(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'graph-compare.bin']);
    const isCompare = (f: string) => f.startsWith('compare/') || notFetched.has(f);
    const pageBytes = Object.entries(files).reduce((n, [f, b]) => n + (isCompare(f) ? 0 : b), 0);
    const compareBytes = Object.entries(files).reduce((n, [f, b]) => n + (f.startsWith('compare/') || f === 'graph-compare.bin' ? b : 0), 0);
    return { outDir, files, pageBytes, compareBytes, modelBytes: student.bytes, graphBytes: graphBytes.byteLength, scriptBytes: code.byteLength, cmvnPriorFrom: prior.from };
  });
}

/**
 * The --compare model: an ensemble (or a single DNN) on the student's features, its members'
 * TF.js files, and its own graph when it differs from the student's (another transition model or
 * lexicon); the page decodes a file with both.
 */
async function compareModel(dir: string, studentDir: string, features: FbankConfig | MeydaConfig, graphChoice: GraphChoice, studentGraph: Uint8Array) {
  const setup = await readModelSetup(dir);
  if (setup.kind === 'gmm') throw new InputError(`--compare ${dir}: a GMM cannot run in the page; give an ensemble from asr-distill ensemble (or a DNN)`);
  const model = await loadAcousticModel(dir);
  const differences = diffFeatureConfigs(features, model.meta.features);
  if (differences.length > 0) {
    throw new InputError(`--compare ${dir}: trained on other features than ${studentDir} (${describeFeatureDifferences(differences, path.basename(studentDir), path.basename(dir))}); the page computes one set of features for both`);
  }
  const graphBytes = encodeGraph((await buildModelGraph(setup, graphChoice)).graph);
  const same = graphBytes.length === studentGraph.length && graphBytes.every((b, i) => b === studentGraph[i]);
  const members = [];
  for (const m of model.members) members.push({ dir: m.dir, files: await layersFiles(m.dir) });
  return { name: path.basename(path.resolve(dir)), meta: model.meta, combine: model.combine, members, graphBytes: same ? null : graphBytes };
}

/**
 * The online CMVN prior: `given` (a FEATS_DIR or a cmvn.json; an error when unreadable), else the
 * training features' cmvn.json when it exists, else none.
 */
async function cmvnPrior(trainFeats: string, featDim: number, given?: string): Promise<{ stats: CmvnAccumulator | null; from?: string }> {
  let dir = given;
  if (dir === undefined) {
    if (!(await pathExists(path.join(trainFeats, CMVN_FILE)))) return { stats: null };
    dir = trainFeats;
  } else if (path.basename(dir) === CMVN_FILE) {
    dir = path.dirname(dir);
  }
  const cmvn = await readCmvn(dir);
  if (cmvn.dim !== featDim) throw new InputError(`${path.join(dir, CMVN_FILE)}: statistics of dim ${cmvn.dim}, but the model takes ${featDim}-dim features; give --cmvn-stats the features the model was trained on`);
  return { stats: globalCmvnStats(cmvn), from: path.join(dir, CMVN_FILE) };
}

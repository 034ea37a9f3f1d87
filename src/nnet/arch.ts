// DNN architecture description: hidden ReLU layers, dropout, max-norm (issue 5). Stored with every
// model (model.json userDefinedMetadata, asr-distill.json) so a saved model is self-describing.
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/** One hidden layer: `units` ReLU units; `dropout` overrides the network-wide rate for its output. */
export interface HiddenLayerConfig {
  units: number;
  dropout?: number;
}

/**
 * A feed-forward acoustic model: input -> hidden ReLU layers -> softmax over pdf ids.
 * `dropout` is the default drop rate applied to every hidden layer's output during training
 * (Srivastava et al. 2014; Hinton et al. 2015 sec. 4 used dropout on the 2560-wide layers);
 * `maxNorm` caps the L2 norm of each unit's incoming weight vector after every update.
 */
export interface ArchConfig {
  hidden: HiddenLayerConfig[];
  activation: 'relu';
  maxNorm?: number;
  dropout?: number;
}

/** Named architectures; widths only (the output size comes from the alignment's pdf count). */
export const ARCH_PRESETS: Readonly<Record<string, ArchConfig>> = {
  // Hinton, Vinyals & Dean 2015, sec. 4: 8 hidden layers of 2560 ReLUs (output: 14,000 states there).
  'paper-2015': { hidden: Array.from({ length: 8 }, () => ({ units: 2560 })), activation: 'relu' },
  tiny: { hidden: [{ units: 64 }], activation: 'relu' },
  small: { hidden: [{ units: 256 }, { units: 256 }], activation: 'relu' },
  medium: { hidden: Array.from({ length: 4 }, () => ({ units: 512 })), activation: 'relu' },
  large: { hidden: Array.from({ length: 4 }, () => ({ units: 1024 })), activation: 'relu' },
};

const SHORTHAND = /^(\d+)x(\d+)$/;

function isRate(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0 && x < 1;
}

/**
 * Check an architecture object (from JSON or code) and return a clean copy.
 * `where` names its origin for error messages (a file path, `--arch`).
 */
export function validateArch(value: unknown, where: string): ArchConfig {
  const fail = (what: string): never => {
    throw new InputError(`${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object with a "hidden" array');
  const o = value as Record<string, unknown>;
  if (!Array.isArray(o.hidden) || o.hidden.length === 0) fail('"hidden" must be a non-empty array of { "units": N }');
  const activation = o.activation ?? 'relu';
  if (activation !== 'relu') fail(`unsupported activation ${JSON.stringify(activation)}; only "relu" is implemented`);
  const hidden = (o.hidden as unknown[]).map((h, i) => {
    const layer = (typeof h === 'number' ? { units: h } : h) as Record<string, unknown> | null;
    if (typeof layer !== 'object' || layer === null) return fail(`hidden[${i}] must be an object { "units": N }`);
    if (!Number.isInteger(layer.units) || (layer.units as number) < 1) fail(`hidden[${i}].units must be a positive integer`);
    const out: HiddenLayerConfig = { units: layer.units as number };
    if (layer.dropout !== undefined) {
      if (!isRate(layer.dropout)) fail(`hidden[${i}].dropout must be in [0, 1)`);
      out.dropout = layer.dropout as number;
    }
    return out;
  });
  const arch: ArchConfig = { hidden, activation: 'relu' };
  if (o.dropout !== undefined) {
    if (!isRate(o.dropout)) fail('"dropout" must be in [0, 1)');
    arch.dropout = o.dropout as number;
  }
  if (o.maxNorm !== undefined) {
    if (typeof o.maxNorm !== 'number' || !(o.maxNorm > 0) || !Number.isFinite(o.maxNorm)) fail('"maxNorm" must be a positive number');
    arch.maxNorm = o.maxNorm as number;
  }
  return arch;
}

/**
 * Parse `--arch`: a shorthand `LxW` (L hidden ReLU layers of W units, e.g. `4x1024`), a preset name
 * (`paper-2015`, `tiny`, `small`, `medium`, `large`), inline JSON, or the path of a JSON file such as
 * `{ "hidden": [{ "units": 512 }, { "units": 512, "dropout": 0.2 }], "activation": "relu", "maxNorm": 3 }`.
 *
 * @example parseArch('4x1024').hidden.length === 4
 */
export function parseArch(spec: string): ArchConfig {
  const s = spec.trim();
  const m = SHORTHAND.exec(s);
  if (m) {
    const layers = Number(m[1]);
    const units = Number(m[2]);
    if (layers < 1 || units < 1) throw new InputError(`--arch ${spec}: need at least 1 layer of at least 1 unit (e.g. 4x1024)`);
    return { hidden: Array.from({ length: layers }, () => ({ units })), activation: 'relu' };
  }
  const preset = ARCH_PRESETS[s];
  if (preset) return validateArch(preset, `--arch ${s}`);
  if (s.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch (e) {
      throw new InputError(`--arch: inline JSON does not parse (${(e as Error).message})`);
    }
    return validateArch(parsed, '--arch');
  }
  if (existsSync(s)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(s, 'utf8'));
    } catch (e) {
      throw new InputError(`${s}: not valid JSON (${(e as Error).message}); expected an architecture like { "hidden": [{ "units": 512 }] }`);
    }
    return validateArch(parsed, s);
  }
  throw new InputError(
    `--arch ${spec}: not a shorthand like 4x1024, a preset (${Object.keys(ARCH_PRESETS).join(', ')}), inline JSON, or an existing JSON file`,
  );
}

/** The drop rate of hidden layer `i` (its own, else the network-wide one, else 0). */
export function layerDropout(arch: ArchConfig, i: number): number {
  return arch.hidden[i]?.dropout ?? arch.dropout ?? 0;
}

/** Layer sizes from input to output, e.g. [440, 1024, 1024, 1024, 1024, 500]. */
export function layerSizes(arch: ArchConfig, inputDim: number, numPdfs: number): number[] {
  return [inputDim, ...arch.hidden.map((h) => h.units), numPdfs];
}

/** A short human-readable description: `440-1024x4-500 relu dropout 0.1`. */
export function describeArch(arch: ArchConfig, inputDim?: number, numPdfs?: number): string {
  const groups: string[] = [];
  for (const h of arch.hidden) {
    const last = groups.length ? groups[groups.length - 1] : '';
    const m = /^(\d+)x(\d+)$/.exec(last);
    if (m && Number(m[1]) === h.units) groups[groups.length - 1] = `${h.units}x${Number(m[2]) + 1}`;
    else groups.push(`${h.units}x1`);
  }
  const core = [inputDim, ...groups, numPdfs].filter((x) => x !== undefined).join('-');
  const extra = [arch.dropout ? `dropout ${arch.dropout}` : '', arch.maxNorm ? `max-norm ${arch.maxNorm}` : ''].filter(Boolean);
  return [core, arch.activation, ...extra].join(' ');
}

// Do these features come from the configuration a model was trained on? Feature archives record
// their full configuration and its hash (feats.json `config`, `configHash`); models record the
// same of the features they were trained on. A matching dimension is not enough: lowFreq 300 and
// no pre-emphasis keep 40 bins but cost a trained model 20 points of frame accuracy, silently.
import { InputError } from '../errors.js';
import { configHash } from '../store/checksum.js';

/**
 * Options that do not change what the features are: `ditherSeed` only picks which noise of the
 * same distribution is added (and nothing when `dither` is 0), so two runs that differ only in it
 * are the same configuration.
 */
const IGNORED_KEYS = new Set(['ditherSeed']);

/** One option that differs between two feature configurations (`undefined`: the key is absent). */
export interface FeatureConfigDifference {
  key: string;
  expected: unknown;
  actual: unknown;
}

/**
 * The options (top-level keys) whose values differ between `expected` (e.g. the model's) and
 * `actual` (e.g. the archive's), in key order, ignoring `ditherSeed`.
 * @example diffFeatureConfigs({ type: 'fbank', lowFreq: 20 }, { type: 'fbank', lowFreq: 300 }) // [{ key: 'lowFreq', expected: 20, actual: 300 }]
 */
export function diffFeatureConfigs(expected: unknown, actual: unknown): FeatureConfigDifference[] {
  const a = (typeof expected === 'object' && expected !== null ? expected : {}) as Record<string, unknown>;
  const b = (typeof actual === 'object' && actual !== null ? actual : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  // `type` first: when it differs, the other keys are not comparable anyway.
  keys.sort((x, y) => Number(y === 'type') - Number(x === 'type'));
  return keys
    .filter((k) => !IGNORED_KEYS.has(k) && configHash(a[k]) !== configHash(b[k]))
    .map((key) => ({ key, expected: a[key], actual: b[key] }));
}

/** One side of a comparison: a short role (`model`, `features`, `teacher`) and where it comes from. */
export interface FeatureSide {
  /** Short role used in the difference list: `lowFreq: model 20, features 300`. */
  role: string;
  /** Where the configuration is recorded (a directory), named in the message. */
  source: string;
  config: unknown;
}

export interface FeatureMatchOptions {
  /** Proceed anyway (--allow-feature-mismatch): the difference is reported through `warn` instead. */
  allowMismatch?: boolean;
  /** Where a tolerated mismatch is reported (default: a `warning:` line on stderr). */
  warn?: (message: string) => void;
}

const show = (v: unknown): string => (v === undefined ? '(absent)' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The differences as one phrase, each option with both values under their roles.
 * @example describeFeatureDifferences([{ key: 'lowFreq', expected: 20, actual: 300 }], 'model', 'features') // 'lowFreq: model 20, features 300'
 */
export function describeFeatureDifferences(diffs: FeatureConfigDifference[], expectedRole: string, actualRole: string): string {
  return diffs.map((d) => `${d.key}: ${expectedRole} ${show(d.expected)}, ${actualRole} ${show(d.actual)}`).join('; ');
}

/**
 * Refuse features whose configuration differs from the one a model expects, with an InputError
 * that names every differing option (`lowFreq: model 20, features 300`) and what to do; with
 * `allowMismatch` the same text is a warning and the call returns. Returns the differences.
 * Models and archives written before hashes were recorded still carry their full configuration,
 * so they are compared the same way.
 * @example checkFeatureMatch({ role: 'model', source: 'exp/dnn', config: m.features }, { role: 'features', source: 'feats/test', config: info.config })
 */
export function checkFeatureMatch(expected: FeatureSide, actual: FeatureSide, opts: FeatureMatchOptions = {}): FeatureConfigDifference[] {
  if (configHash(expected.config) === configHash(actual.config)) return [];
  const diffs = diffFeatureConfigs(expected.config, actual.config);
  if (diffs.length === 0) return [];
  const list = describeFeatureDifferences(diffs, expected.role, actual.role);
  const what = `${actual.source} was made with another feature configuration than ${expected.source} (${list})`;
  if (opts.allowMismatch) {
    (opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(`${what}; going on because of --allow-feature-mismatch`);
    return diffs;
  }
  throw new InputError(
    `${what}. Extract the features with the ${expected.role}'s configuration (asr-distill features --config, see feats.json "config"), ` +
      'or pass --allow-feature-mismatch if you know the difference does not matter',
  );
}

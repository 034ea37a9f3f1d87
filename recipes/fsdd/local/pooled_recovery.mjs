#!/usr/bin/env node
// recipes/fsdd/local/pooled_recovery.mjs [--student SYSTEM] EXP_DIR...: the recovered fraction of the
// ensemble's mean test frame-accuracy gain over every leave-one-speaker-out fold of each EXP_DIR
// (run.sh's EXP_DIR/fold-*/), with its 95% interval: every fold's test utterances resampled, paired
// across its baseline, ensemble and student (bootstrapPooledRecoveredFraction of
// dist/score/bootstrap.js, seed 1, 10,000 replications); with several EXP_DIRs (e.g. one per --seed),
// also over all their folds together. SYSTEM: the student's directory in each fold (default
// student, the chosen one; e.g. candidates/noise0.5+sp for one candidate on every fold). Reads
// FOLD/eval/{baseline,ensemble,SYSTEM}_test.json (eval-frames --json, with per-utterance counts)
// and, for the word errors, FOLD/decode/{ensemble,SYSTEM}_test/decode.json; prints a Markdown table. Needs the toolkit's build (npm run build).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** bootstrapPooledRecoveredFraction and testCountsOf from the build; undefined without one. */
export async function loadRecoveryLib() {
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist');
  const [b, c] = [path.join(dist, 'score/bootstrap.js'), path.join(dist, 'report/collect.js')];
  if (!existsSync(b) || !existsSync(c)) return undefined;
  const [{ bootstrapPooledRecoveredFraction }, { testCountsOf }] = await Promise.all([import(pathToFileURL(b).href), import(pathToFileURL(c).href)]);
  return bootstrapPooledRecoveredFraction ? { bootstrapPooledRecoveredFraction, testCountsOf } : undefined;
}

/** A system's name in the fold's eval/ and decode/ file names (run.sh: candidates/x -> candidates_x). */
const fileKey = (system) => system.replace(/\//g, '_');

/** A run.sh experiment's fold directories (fold-<speaker>), sorted. */
export function foldDirsOf(exp) {
  return readdirSync(exp, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith('fold-'))
    .map((d) => path.join(exp, d.name))
    .sort();
}

/** One fold's paired per-utterance test counts (lib.testCountsOf); an Error naming the file when one is missing or lacks them. */
export function foldCounts(lib, fold, student = 'student') {
  const read = (sys) => {
    const file = path.join(fold, 'eval', `${fileKey(sys)}_test.json`);
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: ${e.message} (run the fold's eval stage, 6)`);
    }
  };
  const counts = lib.testCountsOf(read('baseline'), read('ensemble'), read(student), path.join(fold, 'eval'));
  if (!counts) throw new Error(`${path.join(fold, 'eval')}: no per-utterance counts (eval-frames --json of an older build); rerun stage 6`);
  return counts;
}

/** The pooled interval over `folds` (fold dirs) for `student`, seed 1 as the report's Table 1. */
export function pooledRecovery(lib, folds, student = 'student', options = { seed: 1 }) {
  return lib.bootstrapPooledRecoveredFraction(folds.map((f) => foldCounts(lib, f, student)), options);
}

const pct0 = (x) => `${(100 * x).toFixed(0)}%`;
/** `[48%, 83%]`: the interval's bounds. */
export const formatBounds = (r) => `[${pct0(r.low)}, ${pct0(r.high)}]`;
/** `66% [48%, 83%]` */
export function formatInterval(r) {
  return Number.isNaN(r.recovered) ? 'n/a (no mean ensemble gain)' : `${pct0(r.recovered)} ${formatBounds(r)}`;
}

/**
 * Test word errors of `system` summed over `folds` (FOLD/decode/<system>_test/decode.json, run.sh's
 * stage 7); undefined when a fold has no such decode.
 */
export function pooledErrors(folds, system) {
  let [errors, words] = [0, 0];
  for (const fold of folds) {
    const file = path.join(fold, 'decode', `${fileKey(system)}_test`, 'decode.json');
    if (!existsSync(file)) return undefined;
    const { wer } = JSON.parse(readFileSync(file, 'utf8'));
    [errors, words] = [errors + wer.errors, words + wer.words];
  }
  return { errors, words };
}

/**
 * The Markdown table: one row per experiment, and one over all their folds when there are several;
 * with the student's and the ensemble's test word errors when every fold has both decodes.
 */
export function pooledTable(lib, exps, student = 'student') {
  const rows = exps.map((exp) => ({ name: exp, folds: foldDirsOf(exp) }));
  if (exps.length > 1) rows.push({ name: `all ${exps.length} together`, folds: rows.flatMap((r) => r.folds) });
  const lines = [
    `Recovered fraction of the mean test frame-accuracy gain (${student}), 95% paired bootstrap interval (utterances resampled within each fold); test word errors of ${student} and of the ensemble:`,
    '',
    '| experiment | folds | recovered [95% interval] | P(>= 80%) | word errors: student / ensemble |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const iv = pooledRecovery(lib, r.folds, student);
    const [s, e] = [pooledErrors(r.folds, student), pooledErrors(r.folds, 'ensemble')];
    const wer = s && e ? `${s.errors} / ${e.errors} of ${s.words}` : 'not decoded';
    lines.push(`| ${r.name} | ${r.folds.length} | ${formatInterval(iv)} | ${(100 * iv.probAtLeast).toFixed(1)}% | ${wer} |`);
  }
  return lines.join('\n') + '\n';
}

async function main(argv) {
  let student = 'student';
  const exps = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--student') student = argv[++i];
    else exps.push(argv[i]);
  }
  if (exps.length === 0 || !student) {
    console.error('usage: pooled_recovery.mjs [--student SYSTEM] EXP_DIR...');
    process.exit(2);
  }
  const lib = await loadRecoveryLib();
  if (!lib) {
    console.error('pooled_recovery.mjs: no build of the toolkit with bootstrapPooledRecoveredFraction (run npm run build)');
    process.exit(1);
  }
  try {
    process.stdout.write(pooledTable(lib, exps, student));
  } catch (e) {
    console.error(`pooled_recovery.mjs: ${e.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));

#!/usr/bin/env node
// recipes/digits/local/paper-tables.mjs PAPER_EXP [SETTINGS] (env PAPER_PLOTS=false: no plots): the tables of paper.sh, beside the
// paper's numbers (Hinton, Vinyals & Dean 2015, Tables 1 with the specialists, 4 and 5, sec. 2.1
// and 3), into PAPER_EXP/RESULTS.md and PAPER_EXP/results.json, and the plots: sec. 2.1 (recovered
// fraction against T for both losses) into PAPER_EXP/sec21-recovered.{svg,png}, sec. 5 (Table 4's
// relative change by coverage, beside the paper's) into sec5-coverage.{svg,png}, sec. 6 (test frame
// accuracy bars per fraction; dev accuracy per epoch) into PAPER_EXP/sec6-bars.{svg,png} and
// sec6-curves.{svg,png}. Recovered fractions carry the paired bootstrap interval of run.sh's Table 1
// (dist/score/bootstrap.js, dist/report/collect.js: one home). Reads what the stages wrote:
// ../eval/{baseline,ensemble}_test.json and ../decode/{baseline,ensemble}_test/decode.json (run.sh),
// specialists/eval-frames-test.json (eval-frames of the specialists directory),
// specialists-decode/test/decode.json, specialists/eval-test-top*.json (eval-specialists --json), the
// same of specialists-soft/ (paper.sh --spec-targets soft), sec6/<model>-<pct>/{eval-test.json,
// train.log.jsonl}, sec6/baseline-eval-test.json, sec6-decode/<model>/test/decode.json,
// sec21/<model>/eval-test.json, sec21/*-eval-test.json, sec21/gradient-ratio.json and
// sec3/{transfer/omitted.json,eval-word-*.json,*-fixed/bias-fix.json}. A missing part is left out
// of the tables, and said so.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The paper's Table 4 (JFT, 61 specialists): relative top-1 accuracy change by specialists covering the correct class. */
export const PAPER_TABLE4 = [
  ['0', '0.0%'], ['1', '+3.4%'], ['2', '+7.4%'], ['3', '+8.8%'], ['4', '+10.5%'], ['5', '+11.1%'],
  ['6', '+11.3%'], ['7', '+12.8%'], ['8', '+13.6%'], ['9', '+16.6%'], ['10 or more', '+14.1%'],
];
/** The paper's Table 5 (speech, test frame accuracy). */
export const PAPER_TABLE5 = { full: 58.9, hard3: 44.5, soft3: 57.0 };

/** The paper's sec. 3 (MNIST, the distilled net trained without any 3): errors on the 1010 test 3s, without and with the output bias of the 3 raised by 3.5. */
export const PAPER_SEC3 = { threes: 1010, errorsOnThrees: 133, errorsOnThreesFixed: 14, biasShift: 3.5 };

/**
 * The specialists directories paper.sh writes (--spec-targets): on the hard labels (the paper's
 * sec. 5) and on the ensemble's soft targets (sec. 6's suggestion); `key` names each in results.json.
 */
export const SPEC_VARIANTS = [
  { dir: 'specialists', key: 'specialists', system: 'generalist + specialists', title: 'generalist + specialists' },
  { dir: 'specialists-soft', key: 'specialistsSoft', system: 'generalist + specialists, soft targets', title: 'generalist + specialists trained on soft targets' },
];

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const readJsonIf = (f) => (existsSync(f) ? readJson(f) : undefined);
const pctOf = (a) => (a === undefined ? '-' : `${(100 * a).toFixed(2)}%`);
/** The share of the ensemble's gain over the baseline a student recovers (Table 1's "recovered"). */
const recovered = (acc, base, ens) => (ens > base ? (acc - base) / (ens - base) : undefined);
const recoveredCell = (r, interval) => (r === undefined ? '-' : `${(100 * r).toFixed(1)}%${interval ? ` [${(100 * interval.low).toFixed(0)}%, ${(100 * interval.high).toFixed(0)}%]` : ''}`);

/**
 * The 95% interval of a recovered fraction: run.sh's paired bootstrap over the test utterances
 * (`lib`: bootstrapRecoveredFraction of dist/score/bootstrap.js and testCountsOf of
 * dist/report/collect.js, seed 1 as Table 1), from three eval-frames JSONs; undefined without
 * `lib`, per-utterance counts or an ensemble gain.
 */
function recoveredInterval(lib, baseline, ensemble, student, file) {
  if (!lib || !baseline || !ensemble || !student || !(ensemble.scores.accuracy > baseline.scores.accuracy)) return undefined;
  const counts = lib.testCountsOf(baseline, ensemble, student, file);
  return counts ? lib.bootstrapRecoveredFraction(counts, { seed: 1 }) : undefined;
}

/**
 * The bootstrap's functions from the toolkit's build (paper.sh builds it) when PAPER_EXP has a
 * recovered fraction to bound (sec21/, specialists/eval-frames-test.json): loading the build's
 * model readers costs seconds. Undefined, and the intervals left out, otherwise.
 */
export async function loadBootstrapLib(dir) {
  if (!existsSync(path.join(dir, 'sec21')) && !SPEC_VARIANTS.some((v) => existsSync(path.join(dir, v.dir, 'eval-frames-test.json')))) return undefined;
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist');
  const [b, c] = [path.join(dist, 'score/bootstrap.js'), path.join(dist, 'report/collect.js')];
  if (!existsSync(b) || !existsSync(c)) return undefined;
  const [{ bootstrapRecoveredFraction }, { testCountsOf }] = await Promise.all([import(pathToFileURL(b).href), import(pathToFileURL(c).href)]);
  return { bootstrapRecoveredFraction, testCountsOf };
}

/** How a specialists directory's targets read in the tables: hard labels, or its manifest's soft targets. */
const targetsOf = (manifest) => {
  const t = manifest?.softTargets;
  return t ? `the soft targets of ${path.basename(t.teacher)} at T = ${t.temperature} with hard-label weight ${t.hardWeight}` : 'the hard labels';
};

/**
 * Table 1 with "generalist + specialists" (sec. 5): each specialists directory (SPEC_VARIANTS)
 * scored by eval-frames and decoded as one model, beside run.sh's baseline (the generalist) and
 * ensemble on the same test set; the recovered fraction of the ensemble's gain with its bootstrap
 * interval. results.json's `recovered` is the first variant's (the hard labels' when run).
 */
export function table1Tables(dir, lib) {
  const base = path.dirname(dir);
  const variants = SPEC_VARIANTS.map((v) => ({ ...v, file: path.join(dir, v.dir, 'eval-frames-test.json') })).filter((v) => existsSync(v.file));
  if (variants.length === 0) return { json: undefined, md: ['Table 1 with generalist + specialists: not run (no specialists/eval-frames-test.json).'] };
  const systems = [
    { system: 'baseline (the generalist)', eval: readJsonIf(path.join(base, 'eval', 'baseline_test.json')), decode: readJsonIf(path.join(base, 'decode', 'baseline_test', 'decode.json')) },
    { system: 'ensemble', eval: readJsonIf(path.join(base, 'eval', 'ensemble_test.json')), decode: readJsonIf(path.join(base, 'decode', 'ensemble_test', 'decode.json')) },
  ];
  const [b, e] = systems;
  const specs = variants.map((v) => {
    const manifest = readJsonIf(path.join(dir, v.dir, 'specialists.json'));
    const spec = readJson(v.file);
    const rec = b.eval && e.eval ? recovered(spec.scores.accuracy, b.eval.scores.accuracy, e.eval.scores.accuracy) : undefined;
    return { v, manifest, system: `${v.system} (${manifest?.specialists.length ?? '?'})`, eval: spec, decode: readJsonIf(path.join(dir, `${v.dir}-decode`, 'test', 'decode.json')), rec, interval: recoveredInterval(lib, b.eval, e.eval, spec, v.file) };
  });
  const werCell = (w) => (w ? `${w.percent.toFixed(2)}% [ ${w.errors} / ${w.words} ]` : '-');
  const rows = [...systems, ...specs].map((s) => ({ system: s.system, testAccuracy: s.eval?.scores.accuracy, testWer: s.decode?.wer, acousticScale: s.decode?.acousticScale }));
  // decode.json records --top for a specialists directory; before it did, the top was always 3.
  const top = specs.find((s) => s.decode?.options?.top)?.decode.options.top ?? 3;
  const md = [
    '### Table 1 with generalist + specialists (sec. 5)',
    '',
    `The specialists directory as one model (eval-frames, decode: eq. 5's combination of the generalist and the active specialists, the generalist's top ${top} pdfs picking them, divided by the generalist's priors), beside run.sh's baseline and ensemble; test WER at the acoustic scale picked on dev.`,
    '',
    '| system | test frame accuracy | test WER |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.system} | ${pctOf(r.testAccuracy)} | ${werCell(r.testWer)} |`),
    '',
    ...specs.map((s) => `- Fraction of the ensemble's gain recovered by ${s.v.system} (trained on ${targetsOf(s.manifest)}): ${recoveredCell(s.rec, s.interval)}${s.interval ? ` (95% interval, paired bootstrap over the test utterances, ${s.interval.replications} resamples)` : ''}.`),
    '- Paper (JFT, sec. 5): 61 specialists raised top-1 accuracy from 25.0% to 26.1% (4.4% relative); the specialists were not distilled into one model there.',
  ];
  const byVariant = specs.map((s) => ({ variant: s.v.key, recovered: s.rec, recoveredInterval: s.interval }));
  return { json: { rows, recovered: specs[0].rec, recoveredInterval: specs[0].interval, byVariant }, md };
}
const pct = (x, n) => (n > 0 ? `${((100 * x) / n).toFixed(2)}%` : '-');
/** The paper's "relative accuracy change": correct frames after over before, signed; '-' when none were correct before. */
const relative = (after, before) => (before > 0 ? `${after >= before ? '+' : ''}${(100 * (after / before - 1)).toFixed(1)}%` : '-');

/** The specialists part of one variant (SPEC_VARIANTS; default the hard labels'): one table per --top, rows by coverage. */
export function specialistTables(dir, variant = SPEC_VARIANTS[0]) {
  const sdir = path.join(dir, variant.dir);
  // The soft-target variant is optional: nothing said when it was not asked for.
  if (!existsSync(sdir)) return { json: undefined, md: variant === SPEC_VARIANTS[0] ? ['Sec. 5: not run (no specialists/).'] : [] };
  const files = readdirSync(sdir).filter((f) => /^eval-test-top\d+\.json$/.test(f)).sort();
  const manifest = readJson(path.join(sdir, 'specialists.json'));
  const evals = files.map((f) => readJson(path.join(sdir, f)));
  // --spec-size (train-specialists --cluster-size): overlapping sets; absent in older manifests.
  const overlap =
    manifest.clusterSize !== undefined
      ? `, each centre taking its ${manifest.clusterSize} nearest of the ${manifest.clusterPdfs} pdfs with dev frames (overlapping sets; those pdfs covered 0, 1, 2, ... times: ${manifest.pdfsByCoverage.join(', ')})`
      : '';
  const md = [
    `### Sec. 5: ${variant.title} (Table 4)`,
    '',
    `${manifest.specialists.length} specialists (${manifest.cover} k-means clustering(s) of ${manifest.numClusters} on the columns of the ${manifest.clusterMatrix} of the generalist's predictions on ${manifest.clusterFrames} dev frames${overlap}), ` +
      `each trained from the generalist on its cluster's pdfs + a dustbin, half of its frames from its cluster, on ${targetsOf(manifest)}; test frames.`,
  ];
  for (const r of evals) {
    md.push('', `Top ${r.topN} generalist pdfs pick the active specialists (mean ${r.meanActive.toFixed(2)} per frame):`, '');
    md.push('| active specialists covering the correct pdf | frames | generalist acc | combined acc | delta top-1 correct | relative accuracy change |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of r.coverage) {
      md.push(`| ${c.covering} | ${c.frames} | ${pct(c.generalistCorrect, c.frames)} | ${pct(c.combinedCorrect, c.frames)} | ${c.combinedCorrect - c.generalistCorrect} | ${relative(c.combinedCorrect, c.generalistCorrect)} |`);
    }
    md.push(`| all | ${r.numFrames} | ${pct(r.generalistCorrect, r.numFrames)} | ${pct(r.combinedCorrect, r.numFrames)} | ${r.combinedCorrect - r.generalistCorrect} | ${relative(r.combinedCorrect, r.generalistCorrect)} |`);
  }
  md.push('', `Paper (JFT, 61 specialists, top-1 25.0% -> 26.1%), relative change by specialists covering the correct class: ${PAPER_TABLE4.map(([k, v]) => `${k}: ${v}`).join(', ')}.`);
  return { json: { numSpecialists: manifest.specialists.length, numClusters: manifest.numClusters, cover: manifest.cover, clusterSize: manifest.clusterSize ?? null, clusterMatrix: manifest.clusterMatrix, softTargets: manifest.softTargets ?? null, evals }, md };
}

/** The sec. 6 part: test frame accuracy per fraction and model, and the dev accuracy per epoch. */
export function sec6Tables(dir) {
  const sdir = path.join(dir, 'sec6');
  if (!existsSync(sdir)) return { json: undefined, md: ['Sec. 6: not run (no sec6/).'] };
  const base = existsSync(path.join(sdir, 'baseline-eval-test.json')) ? readJson(path.join(sdir, 'baseline-eval-test.json')).scores : undefined;
  const models = readdirSync(sdir).filter((d) => existsSync(path.join(sdir, d, 'eval-test.json')));
  const fractions = [...new Set(models.map((d) => d.replace(/^.*-/, '')))].sort((a, b) => Number(a) - Number(b));
  const rows = [];
  for (const f of fractions) {
    for (const kind of ['hard', 'hard-early', 'soft']) {
      const d = path.join(sdir, `${kind}-${f}`);
      if (!existsSync(path.join(d, 'eval-test.json'))) continue;
      const s = readJson(path.join(d, 'eval-test.json')).scores;
      const log = readFileSync(path.join(d, 'train.log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const meta = readJson(path.join(d, 'asr-distill.json'));
      rows.push({ percent: Number(f), kind, trainUtts: meta.trainedOn.numUtts, trainFrames: meta.trainedOn.numFrames, testAccuracy: s.accuracy, testFrames: s.numFrames, epochs: log.length, devAcc: log.map((e) => e.devAcc), trainAcc: log.map((e) => e.trainAcc) });
    }
  }
  const name = { hard: 'hard targets, all epochs', 'hard-early': 'hard targets, early stopping (newbob on dev)', soft: "soft targets (the full ensemble's)" };
  const md = ['### Sec. 6: soft targets as a regulariser (Table 5)', '', '| training data | model | utterances | frames | epochs | final train acc | test frame accuracy | test WER |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  // Test WER where the stage decoded the model (sec6-decode/<model>/test/decode.json).
  const werOf = (model) => readJsonIf(path.join(dir, 'sec6-decode', model, 'test', 'decode.json'))?.wer;
  const werCell = (w) => (w ? `${w.percent.toFixed(2)}% [ ${w.errors} / ${w.words} ]` : '-');
  for (const r of rows) r.testWer = werOf(`${r.kind}-${r.percent}`);
  const baseWer = werOf('baseline');
  if (base) md.push(`| 100% | baseline (hard targets, newbob) | | | | | ${(100 * base.accuracy).toFixed(2)}% | ${werCell(baseWer)} |`);
  for (const r of rows) md.push(`| ${r.percent}% | ${name[r.kind]} | ${r.trainUtts} | ${r.trainFrames} | ${r.epochs} | ${(100 * r.trainAcc[r.trainAcc.length - 1]).toFixed(2)}% | ${(100 * r.testAccuracy).toFixed(2)}% | ${werCell(r.testWer)} |`);
  md.push('', `Paper (speech, 3% of 2000 h): full-data baseline ${PAPER_TABLE5.full.toFixed(1)}%, hard targets ${PAPER_TABLE5.hard3.toFixed(1)}% (with early stopping), soft targets ${PAPER_TABLE5.soft3.toFixed(1)}% test frame accuracy.`);
  md.push('', 'Dev frame accuracy per epoch (the curves):', '', '| model | ' + Array.from({ length: Math.max(0, ...rows.map((r) => r.epochs)) }, (_, i) => i + 1).join(' | ') + ' |');
  md.push('| --- |' + ' --- |'.repeat(Math.max(0, ...rows.map((r) => r.epochs))));
  for (const r of rows) md.push(`| ${r.percent}% ${r.kind} | ${r.devAcc.map((a) => (a === undefined ? '-' : (100 * a).toFixed(1))).join(' | ')} |`);
  return { json: { baselineTestAccuracy: base?.accuracy, baselineTestWer: baseWer, rows }, md };
}

/**
 * The sec. 2.1 part: recovered fraction (of the ensemble's test frame-accuracy gain over the
 * baseline) of students in the paper's setup by temperature for soft-target CE and for logit
 * matching (no T: one student), by hard-label weight, by top-k targets and by combine rule, and the
 * measured ratio of the two gradients.
 */
export function sec21Tables(dir, lib) {
  const sdir = path.join(dir, 'sec21');
  const baseEval = readJsonIf(path.join(sdir, 'baseline-eval-test.json'));
  const ensEval = readJsonIf(path.join(sdir, 'ensemble-eval-test.json'));
  const [base, ens] = [baseEval?.scores.accuracy, ensEval?.scores.accuracy];
  if (!existsSync(sdir) || base === undefined || ens === undefined) return { json: undefined, md: ['Sec. 2.1: not run (no sec21/ with the baseline and ensemble scores).'] };
  const geoEval = readJsonIf(path.join(sdir, 'ensemble-geometric-eval-test.json'));
  const geoEns = geoEval?.scores.accuracy;
  const evals = new Map();
  for (const d of readdirSync(sdir)) {
    const e = readJsonIf(path.join(sdir, d, 'eval-test.json'));
    if (e) evals.set(d, e);
  }
  // The geometric student's gain is measured against the geometric ensemble's.
  const row = (name, ensE = ensEval) => ({
    model: name,
    testAccuracy: evals.get(name).scores.accuracy,
    recovered: recovered(evals.get(name).scores.accuracy, base, ensE.scores.accuracy),
    recoveredInterval: recoveredInterval(lib, baseEval, ensE, evals.get(name), path.join(sdir, name, 'eval-test.json')),
  });
  const temps = [...evals.keys()].map((d) => /^soft-T([\d.]+)$/.exec(d)?.[1]).filter(Boolean).map(Number).sort((a, b) => a - b);
  const others = [...evals.keys()].map((d) => /^soft-T([\d.]+)-(W[\d.]+|top\d+|geometric)$/.exec(d)).filter(Boolean);
  const baseT = others.length ? Number(others[0][1]) : 2;
  const baseName = `soft-T${baseT}`;
  const logit = evals.has('logit') ? row('logit') : undefined;
  const ratios = readJsonIf(path.join(sdir, 'gradient-ratio.json'));
  const ratioAt = (t) => ratios?.ratios.find((r) => r.temperature === t);
  const byT = temps.map((t) => ({ temperature: t, ...row(`soft-T${t}`), gradientRatio: ratioAt(t) }));
  const weights = [...others.filter((m) => m[2].startsWith('W')).map((m) => ({ w: Number(m[2].slice(1)), d: m[0] })), ...(evals.has(baseName) ? [{ w: 0.5, d: baseName }] : [])].sort((a, b) => a.w - b.w);
  const byW = weights.map(({ w, d }) => ({ hardWeight: w, ...row(d) }));
  const tops = [...(evals.has(baseName) ? [{ k: 'full', d: baseName }] : []), ...others.filter((m) => m[2].startsWith('top')).map((m) => ({ k: Number(m[2].slice(3)), d: m[0] })).sort((a, b) => b.k - a.k)];
  const byTop = tops.map(({ k, d }) => ({ softTargets: k === 'full' ? 'full' : `top-${k}`, ...row(d) }));
  const geoName = `soft-T${baseT}-geometric`;
  const byCombine = [
    ...(evals.has(baseName) ? [{ combine: 'arithmetic', ensembleAccuracy: ens, ...row(baseName) }] : []),
    ...(evals.has(geoName) && geoEns !== undefined ? [{ combine: 'geometric', ensembleAccuracy: geoEns, ...row(geoName, geoEval) }] : []),
  ];
  const md = [
    '### Sec. 2.1: temperature, logit matching, hard-label weight, top-k targets, combine rule',
    '',
    `Students in the paper's setup (distill --setup paper: the training frames as they are, hard-label weight 0.5 unless said), the recipe's student shape and schedule; test frame accuracy, and the recovered fraction of the ensemble's gain (baseline ${pctOf(base)}, ensemble ${pctOf(ens)}: a gap of ${(100 * (ens - base)).toFixed(2)} points, so one point of accuracy is ${(100 / (100 * (ens - base))).toFixed(0)}% of recovery). Recovered fractions in brackets: 95% interval, run.sh's paired bootstrap over the test utterances (10000 resamples).`,
    '',
    '| T | soft-target CE: test acc | recovered | logit matching (no T): test acc | recovered | gradient ratio on dev | cosine |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...byT.map((r) => `| ${r.temperature} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered, r.recoveredInterval)} | ${pctOf(logit?.testAccuracy)} | ${recoveredCell(logit?.recovered, logit?.recoveredInterval)} | ${r.gradientRatio ? r.gradientRatio.ratio.toFixed(4) : '-'} | ${r.gradientRatio ? r.gradientRatio.cosine.toFixed(4) : '-'} |`),
    '',
    `Gradient ratio: <T^2 g_soft, g_logit> / <g_logit, g_logit> on ${ratios ? ratios.numFrames : '-'} dev frames, the T = ${baseT} student's logits (asr-distill gradient-ratio); sec. 2.1 derives that it approaches 1 as T grows.`,
    ...(byW.length ? ['', `Hard-label weight at T = ${baseT}:`, '', '| hard-label weight | test acc | recovered |', '| --- | --- | --- |', ...byW.map((r) => `| ${r.hardWeight} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered, r.recoveredInterval)} |`)] : []),
    ...(byTop.length > 1 ? ['', `Soft targets kept per frame at T = ${baseT} (distill --soft-targets; top-k renormalised):`, '', '| soft targets | test acc | recovered |', '| --- | --- | --- |', ...byTop.map((r) => `| ${r.softTargets} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered, r.recoveredInterval)} |`)] : []),
    ...(byCombine.length > 1
      ? ['', `The same members combined two ways, the soft targets at T = ${baseT} following the rule:`, '', "| ensemble combine rule | ensemble test acc | student test acc | recovered (of that ensemble's gain) |", '| --- | --- | --- | --- |', ...byCombine.map((r) => `| ${r.combine} | ${pctOf(r.ensembleAccuracy)} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered, r.recoveredInterval)} |`)]
      : []),
    '',
    "Paper (speech, sec. 4): T in {1, 2, 5, 10} tried, hard-label weight 0.5; no per-T numbers published. MNIST (sec. 3): T >= 8 for a 300-unit student, 2.5-4 for 30 units.",
  ];
  return { json: { baselineAccuracy: base, ensembleAccuracy: ens, geometricEnsembleAccuracy: geoEns, baseTemperature: baseT, byTemperature: byT, logitMatching: logit, byHardWeight: byW, byTopK: byTop, byCombine, gradientRatio: ratios }, md };
}

/**
 * Where the omitted word's transfer frames fell (omit-word's per-pdf frame counts): the pdfs it
 * touched, those only it used (every frame lost), those counted as omitted (at least
 * minLostFraction lost: bias-fix raises them) and the rest, shared with other words and kept; and
 * the word's frames on omitted and on shared pdfs. On monophone states a digit's phones are mostly
 * its own; on tied triphone states part of a word's frames fall on pdfs other words keep training.
 * Undefined for an omitted.json without the counts.
 */
export function omittedPdfSummary(omitted) {
  const full = omitted.pdfFramesFull ?? [];
  const kept = omitted.pdfFramesKept ?? [];
  if (full.length === 0 || full.length !== kept.length) return undefined;
  const isOmitted = new Set(omitted.omittedPdfs);
  const s = { touchedPdfs: 0, exclusivePdfs: 0, omittedPdfs: omitted.omittedPdfs.length, sharedPdfs: 0, wordFramesOnOmitted: 0, wordFramesOnShared: 0 };
  full.forEach((n, p) => {
    const lost = n - kept[p];
    if (lost <= 0) return;
    s.touchedPdfs++;
    if (kept[p] === 0) s.exclusivePdfs++;
    if (isOmitted.has(p)) s.wordFramesOnOmitted += lost;
    else {
      s.sharedPdfs++;
      s.wordFramesOnShared += lost;
    }
  });
  return s;
}

/** The sec. 3 part: accuracy on the omitted word's test frames, without and with the bias fix, against the student that saw it. */
export function sec3Tables(dir) {
  const sdir = path.join(dir, 'sec3');
  const omitted = readJsonIf(path.join(sdir, 'transfer', 'omitted.json'));
  if (!omitted) return { json: undefined, md: ['Sec. 3: not run (no sec3/transfer/omitted.json).'] };
  const w = omitted.word;
  const fixDir = readdirSync(sdir).find((d) => d.endsWith('-fixed') && existsSync(path.join(sdir, d, 'bias-fix.json')));
  const fix = fixDir ? readJson(path.join(sdir, fixDir, 'bias-fix.json')) : undefined;
  const names = [
    ['baseline', 'baseline (hard targets)'],
    ['ensemble', 'ensemble (the teacher)'],
    [readdirSync(sdir).map((f) => /^eval-word-(soft-T[\d.]+)\.json$/.exec(f)?.[1]).find(Boolean), `student, transfer set with '${w}'`],
    [`student-no-${w}`, `student, transfer set without '${w}'`],
    [`student-no-${w}-fixed`, `the same, omitted pdfs' biases + ${fix ? fix.shiftNats : '?'} nats (chosen on dev)`],
  ];
  const rows = names.flatMap(([m, label]) => {
    const r = m && readJsonIf(path.join(sdir, `eval-word-${m}.json`));
    return r ? [{ model: m, label, word: r.wordFrames, other: r.otherFrames, instances: r.instances, byOmitted: r.byOmitted }] : [];
  });
  const pdfs = omittedPdfSummary(omitted);
  // eval-word --omitted: the word's test frames split by label (its omitted pdfs / pdfs shared with other words).
  const split = rows.some((r) => r.byOmitted);
  const accOf = (sc) => (sc && sc.numFrames > 0 ? sc.accuracy : undefined);
  const splitCells = (r) => (split ? ` ${pctOf(accOf(r.byOmitted?.omittedPdfFrames))} | ${pctOf(accOf(r.byOmitted?.sharedPdfFrames))} |` : '');
  const splitFrames = rows.find((r) => r.byOmitted)?.byOmitted;
  const md = [
    `### Sec. 3: '${w}' left out of the transfer set`,
    '',
    `${omitted.instances} instances of '${w}' (${omitted.removedFrames} frames) cut out of the transfer set (${omitted.keptFrames} frames kept); omitted pdfs (those that lost at least ${100 * omitted.minLostFraction}% of their frames): ${omitted.omittedPdfs.join(', ')}.` +
      (pdfs
        ? ` The word's transfer frames fell on ${pdfs.touchedPdfs} pdfs: ${pdfs.exclusivePdfs} used by no other word, ${pdfs.omittedPdfs} omitted (${pdfs.wordFramesOnOmitted} of its frames), ${pdfs.sharedPdfs} shared with other words and kept in the transfer set (${pdfs.wordFramesOnShared} of its frames; their biases are not raised).`
        : '') +
      (fix ? ` Bias shift chosen on all dev frames: ${fix.shiftNats} nats (dev frame accuracy ${pctOf(fix.dev.find((d) => d.shiftNats === 0)?.accuracy)} at 0, ${pctOf(fix.dev.find((d) => d.shiftNats === fix.shiftNats)?.accuracy)} at the shift).` : ''),
    '',
    `| model | test frames of '${w}' | accuracy on them | accuracy on the other test frames |${split ? ` on its omitted pdfs' frames (${splitFrames.omittedPdfFrames.numFrames}) | on its shared pdfs' frames (${splitFrames.sharedPdfFrames.numFrames}) |` : ''}`,
    `| --- | --- | --- | --- |${split ? ' --- | --- |' : ''}`,
    ...rows.map((r) => `| ${r.label} | ${r.word.numFrames} | ${pctOf(r.word.accuracy)} | ${pctOf(r.other.accuracy)} |${splitCells(r)}`),
    '',
    `Paper (MNIST, every 3 left out of the transfer set): ${PAPER_SEC3.errorsOnThrees} errors on the ${PAPER_SEC3.threes} test 3s (${(100 * (1 - PAPER_SEC3.errorsOnThrees / PAPER_SEC3.threes)).toFixed(1)}% correct); with the 3's bias raised by ${PAPER_SEC3.biasShift}, ${PAPER_SEC3.errorsOnThreesFixed} (${(100 * (1 - PAPER_SEC3.errorsOnThreesFixed / PAPER_SEC3.threes)).toFixed(1)}% correct).`,
  ];
  return { json: { omitted: { ...omitted, pdfFramesFull: undefined, pdfFramesKept: undefined }, pdfs, biasFix: fix, rows }, md };
}

/** The sec. 6 model names of the plots (short: bar labels). */
const SEC6_SYSTEMS = { hard: 'hard targets', 'hard-early': 'hard + early stopping', soft: 'soft targets' };

/**
 * The plots' Vega-Lite specs from results.json's parts, built with the toolkit's report plot
 * functions (`plots`: seriesLineSpec, systemsBarSpec of src/report/plots.ts): sec. 2.1 (recovered
 * fraction vs T, both losses); sec. 5 (relative accuracy change by coverage, beside the paper's);
 * sec. 6 bars (test frame accuracy of hard / hard + early stopping / soft at each fraction, beside
 * the full-data baseline) and curves (dev accuracy per epoch, hard targets vs soft, early stopping
 * left out: its epochs are hard's first ones). A part without data is said so in `missing`.
 */
export function paperPlotSpecs(results, plots) {
  const specs = [];
  const missing = [];
  const sec21 = results.sec21;
  if (!sec21 || sec21.byTemperature.length === 0) missing.push('no sec. 2.1 plot: no temperature points');
  else {
    const points = sec21.byTemperature.filter((r) => r.recovered !== undefined).map((r) => ({ series: 'soft-target CE', x: r.temperature, y: 100 * r.recovered }));
    if (sec21.logitMatching?.recovered !== undefined) for (const r of sec21.byTemperature) points.push({ series: 'logit matching (no T)', x: r.temperature, y: 100 * sec21.logitMatching.recovered });
    for (const r of sec21.byTemperature) if (r.gradientRatio) points.push({ series: 'gradient ratio x 100 (dev)', x: r.temperature, y: 100 * r.gradientRatio.ratio });
    specs.push({ name: 'sec21-recovered', spec: plots.seriesLineSpec(points, { title: "Sec. 2.1: recovered fraction of the ensemble's gain against T", xTitle: 'temperature T', yTitle: 'recovered (%) / gradient ratio (x 100)', xLog: true }) });
  }
  // Table 4 as a curve: relative accuracy change by coverage, ours per variant and --top beside the paper's.
  const specEvals = [
    ...(results.specialists?.evals ?? []).map((r) => ({ r, series: `here, top ${r.topN}` })),
    ...(results.specialistsSoft?.evals ?? []).map((r) => ({ r, series: `here, soft targets, top ${r.topN}` })),
  ];
  if (specEvals.length === 0) missing.push('no sec. 5 plot: no eval-specialists scores');
  else {
    const points = specEvals.flatMap(({ r, series }) => r.coverage.filter((c) => c.generalistCorrect > 0).map((c) => ({ series, x: c.covering, y: 100 * (c.combinedCorrect / c.generalistCorrect - 1) })));
    for (const [k, v] of PAPER_TABLE4) points.push({ series: 'paper (JFT, 61 specialists)', x: Number.parseInt(k, 10), y: Number.parseFloat(v) });
    specs.push({ name: 'sec5-coverage', spec: plots.seriesLineSpec(points, { title: 'Sec. 5 (Table 4): accuracy change by specialists covering the correct class', xTitle: 'active specialists covering the correct class (paper: 10 = 10 or more)', yTitle: 'relative accuracy change (%)' }) });
  }
  const sec6 = results.sec6;
  if (!sec6 || sec6.rows.length === 0) missing.push('no sec. 6 plots: no sec. 6 models');
  else {
    // One panel per fraction (systemsBarSpec's facets, in the fractions' order), the full-data baseline in each for scale.
    const bars = [];
    for (const f of [...new Set(sec6.rows.map((r) => r.percent))]) {
      const metric = `${f}% of the training data`;
      for (const r of sec6.rows.filter((x) => x.percent === f)) bars.push({ system: SEC6_SYSTEMS[r.kind], metric, value: 100 * r.testAccuracy });
      if (sec6.baselineTestAccuracy !== undefined) bars.push({ system: 'baseline, all the data', metric, value: 100 * sec6.baselineTestAccuracy });
    }
    specs.push({ name: 'sec6-bars', spec: plots.systemsBarSpec(bars, 'Sec. 6: test frame accuracy (%), hard vs soft targets on a subset', { panelsInOrder: true }) });
    const curves = sec6.rows.filter((r) => r.kind !== 'hard-early').flatMap((r) => r.devAcc.map((a, i) => ({ series: `${r.percent}% ${SEC6_SYSTEMS[r.kind]}`, x: i + 1, y: 100 * a })));
    specs.push({ name: 'sec6-curves', spec: plots.seriesLineSpec(curves, { title: 'Sec. 6: dev frame accuracy per epoch, hard vs soft targets', xTitle: 'epoch', yTitle: 'dev frame accuracy (%)' }) });
  }
  return { specs, missing };
}

/** The plots (paperPlotSpecs) rendered through dist/report/plots.js (built by paper.sh) into PAPER_EXP/<name>.{svg,png}; left out, and said so, without a build. */
export async function writePaperPlots(dir, results) {
  const plotsJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/report/plots.js');
  if (!existsSync(plotsJs)) return `no plots: ${plotsJs} is missing (npm run build)`;
  const plots = await import(pathToFileURL(plotsJs).href);
  const { specs, missing } = paperPlotSpecs(results, plots);
  const said = [...missing];
  for (const { name, spec } of specs) {
    const { svg, png } = await plots.renderSpec(spec);
    writeFileSync(path.join(dir, `${name}.svg`), svg);
    writeFileSync(path.join(dir, `${name}.png`), png);
    said.push(`plot: ${path.join(dir, `${name}.png`)}`);
  }
  return said.join('\n');
}

/**
 * RESULTS.md + results.json of PAPER_EXP; `lib` (loadBootstrapLib) adds the recovered fractions'
 * bootstrap intervals; `plots` false leaves the plots' links out.
 */
export function writePaperTables(dir, settings = '', lib = undefined, plots = true) {
  const table1 = table1Tables(dir, lib);
  const spec = specialistTables(dir);
  const specSoft = specialistTables(dir, SPEC_VARIANTS[1]);
  const sec6 = sec6Tables(dir);
  const sec21 = sec21Tables(dir, lib);
  const sec3 = sec3Tables(dir);
  const md = ['# Paper experiments on the digits corpus (recipes/digits/paper.sh)', '', `Settings: ${settings}`, '', ...table1.md, '', ...sec21.md, '', ...sec3.md, '', ...spec.md, '', ...(specSoft.json ? [...specSoft.md, ''] : []), ...sec6.md, ''];
  if (plots && (spec.json || specSoft.json)) md.push('![sec. 5: accuracy change by coverage](sec5-coverage.png)', '');
  if (plots && sec6.json) md.push('![sec. 6: test frame accuracy per fraction](sec6-bars.png)', '', '![sec. 6: dev accuracy per epoch](sec6-curves.png)', '');
  if (plots && sec21.json) md.push('![recovered fraction against T](sec21-recovered.png)', '');
  writeFileSync(path.join(dir, 'RESULTS.md'), md.join('\n'));
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ settings, table1: table1.json ?? null, sec21: sec21.json ?? null, sec3: sec3.json ?? null, specialists: spec.json ?? null, specialistsSoft: specSoft.json ?? null, sec6: sec6.json ?? null }, null, 1) + '\n');
  return md.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) {
    console.error('usage: paper-tables.mjs PAPER_EXP [SETTINGS]');
    process.exit(2);
  }
  // PAPER_PLOTS=false (paper.sh --plots false): the tables alone.
  const plots = process.env.PAPER_PLOTS !== 'false';
  process.stdout.write(writePaperTables(process.argv[2], process.argv[3] ?? '', await loadBootstrapLib(process.argv[2]), plots));
  if (plots) process.stdout.write((await writePaperPlots(process.argv[2], readJson(path.join(process.argv[2], 'results.json')))) + '\n');
}

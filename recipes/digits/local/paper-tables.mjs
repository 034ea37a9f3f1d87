#!/usr/bin/env node
// recipes/digits/local/paper-tables.mjs PAPER_EXP [SETTINGS]: the tables of paper.sh, beside the
// paper's numbers (Hinton, Vinyals & Dean 2015, Tables 4 and 5, sec. 2.1 and 3), into
// PAPER_EXP/RESULTS.md and PAPER_EXP/results.json, and the plot of sec. 2.1 (recovered fraction
// against T for both losses) into PAPER_EXP/sec21-recovered.{svg,png}. Reads what the stages wrote:
// specialists/eval-test-top*.json (eval-specialists --json), sec6/<model>-<pct>/{eval-test.json,
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

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const readJsonIf = (f) => (existsSync(f) ? readJson(f) : undefined);
const pctOf = (a) => (a === undefined ? '-' : `${(100 * a).toFixed(2)}%`);
/** The share of the ensemble's gain over the baseline a student recovers (Table 1's "recovered"). */
const recovered = (acc, base, ens) => (ens > base ? (acc - base) / (ens - base) : undefined);
const recoveredCell = (r) => (r === undefined ? '-' : `${(100 * r).toFixed(1)}%`);
const pct = (x, n) => (n > 0 ? `${((100 * x) / n).toFixed(2)}%` : '-');
/** The paper's "relative accuracy change": correct frames after over before, signed; '-' when none were correct before. */
const relative = (after, before) => (before > 0 ? `${after >= before ? '+' : ''}${(100 * (after / before - 1)).toFixed(1)}%` : '-');

/** The specialists part: one table per --top, rows by coverage. */
export function specialistTables(dir) {
  const sdir = path.join(dir, 'specialists');
  if (!existsSync(sdir)) return { json: undefined, md: ['Sec. 5: not run (no specialists/).'] };
  const files = readdirSync(sdir).filter((f) => /^eval-test-top\d+\.json$/.test(f)).sort();
  const manifest = readJson(path.join(sdir, 'specialists.json'));
  const evals = files.map((f) => readJson(path.join(sdir, f)));
  const md = [
    `### Sec. 5: generalist + specialists (Table 4)`,
    '',
    `${manifest.specialists.length} specialists (${manifest.cover} k-means clustering(s) of ${manifest.numClusters} on the columns of the ${manifest.clusterMatrix} of the generalist's predictions on ${manifest.clusterFrames} dev frames), ` +
      `each trained from the generalist on its cluster's pdfs + a dustbin, half of its frames from its cluster; test frames.`,
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
  return { json: { numSpecialists: manifest.specialists.length, numClusters: manifest.numClusters, cover: manifest.cover, clusterMatrix: manifest.clusterMatrix, evals }, md };
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
export function sec21Tables(dir) {
  const sdir = path.join(dir, 'sec21');
  const base = readJsonIf(path.join(sdir, 'baseline-eval-test.json'))?.scores.accuracy;
  const ens = readJsonIf(path.join(sdir, 'ensemble-eval-test.json'))?.scores.accuracy;
  if (!existsSync(sdir) || base === undefined || ens === undefined) return { json: undefined, md: ['Sec. 2.1: not run (no sec21/ with the baseline and ensemble scores).'] };
  const geoEns = readJsonIf(path.join(sdir, 'ensemble-geometric-eval-test.json'))?.scores.accuracy;
  const models = new Map();
  for (const d of readdirSync(sdir)) {
    const e = readJsonIf(path.join(sdir, d, 'eval-test.json'));
    if (e) models.set(d, e.scores.accuracy);
  }
  const row = (name, acc, ensAcc = ens) => ({ model: name, testAccuracy: acc, recovered: recovered(acc, base, ensAcc) });
  const temps = [...models.keys()].map((d) => /^soft-T([\d.]+)$/.exec(d)?.[1]).filter(Boolean).map(Number).sort((a, b) => a - b);
  const others = [...models.keys()].map((d) => /^soft-T([\d.]+)-(W[\d.]+|top\d+|geometric)$/.exec(d)).filter(Boolean);
  const baseT = others.length ? Number(others[0][1]) : 2;
  const baseName = `soft-T${baseT}`;
  const logit = models.has('logit') ? row('logit', models.get('logit')) : undefined;
  const ratios = readJsonIf(path.join(sdir, 'gradient-ratio.json'));
  const ratioAt = (t) => ratios?.ratios.find((r) => r.temperature === t);
  const byT = temps.map((t) => ({ temperature: t, ...row(`soft-T${t}`, models.get(`soft-T${t}`)), gradientRatio: ratioAt(t) }));
  const weights = [...others.filter((m) => m[2].startsWith('W')).map((m) => ({ w: Number(m[2].slice(1)), d: m[0] })), ...(models.has(baseName) ? [{ w: 0.5, d: baseName }] : [])].sort((a, b) => a.w - b.w);
  const byW = weights.map(({ w, d }) => ({ hardWeight: w, ...row(d, models.get(d)) }));
  const tops = [...(models.has(baseName) ? [{ k: 'full', d: baseName }] : []), ...others.filter((m) => m[2].startsWith('top')).map((m) => ({ k: Number(m[2].slice(3)), d: m[0] })).sort((a, b) => b.k - a.k)];
  const byTop = tops.map(({ k, d }) => ({ softTargets: k === 'full' ? 'full' : `top-${k}`, ...row(d, models.get(d)) }));
  const geoName = `soft-T${baseT}-geometric`;
  const byCombine = [
    ...(models.has(baseName) ? [{ combine: 'arithmetic', ensembleAccuracy: ens, ...row(baseName, models.get(baseName)) }] : []),
    ...(models.has(geoName) && geoEns !== undefined ? [{ combine: 'geometric', ensembleAccuracy: geoEns, ...row(geoName, models.get(geoName), geoEns) }] : []),
  ];
  const md = [
    '### Sec. 2.1: temperature, logit matching, hard-label weight, top-k targets, combine rule',
    '',
    `Students in the paper's setup (distill --setup paper: the training frames as they are, hard-label weight 0.5 unless said), the recipe's student shape and schedule; test frame accuracy, and the recovered fraction of the ensemble's gain (baseline ${pctOf(base)}, ensemble ${pctOf(ens)}: a gap of ${(100 * (ens - base)).toFixed(2)} points, so one point of accuracy is ${(100 / (100 * (ens - base))).toFixed(0)}% of recovery).`,
    '',
    '| T | soft-target CE: test acc | recovered | logit matching (no T): test acc | recovered | gradient ratio on dev | cosine |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...byT.map((r) => `| ${r.temperature} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered)} | ${pctOf(logit?.testAccuracy)} | ${recoveredCell(logit?.recovered)} | ${r.gradientRatio ? r.gradientRatio.ratio.toFixed(4) : '-'} | ${r.gradientRatio ? r.gradientRatio.cosine.toFixed(4) : '-'} |`),
    '',
    `Gradient ratio: <T^2 g_soft, g_logit> / <g_logit, g_logit> on ${ratios ? ratios.numFrames : '-'} dev frames, the T = ${baseT} student's logits (asr-distill gradient-ratio); sec. 2.1 derives that it approaches 1 as T grows.`,
    ...(byW.length ? ['', `Hard-label weight at T = ${baseT}:`, '', '| hard-label weight | test acc | recovered |', '| --- | --- | --- |', ...byW.map((r) => `| ${r.hardWeight} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered)} |`)] : []),
    ...(byTop.length > 1 ? ['', `Soft targets kept per frame at T = ${baseT} (distill --soft-targets; top-k renormalised):`, '', '| soft targets | test acc | recovered |', '| --- | --- | --- |', ...byTop.map((r) => `| ${r.softTargets} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered)} |`)] : []),
    ...(byCombine.length > 1
      ? ['', `The same members combined two ways, the soft targets at T = ${baseT} following the rule:`, '', "| ensemble combine rule | ensemble test acc | student test acc | recovered (of that ensemble's gain) |", '| --- | --- | --- | --- |', ...byCombine.map((r) => `| ${r.combine} | ${pctOf(r.ensembleAccuracy)} | ${pctOf(r.testAccuracy)} | ${recoveredCell(r.recovered)} |`)]
      : []),
    '',
    "Paper (speech, sec. 4): T in {1, 2, 5, 10} tried, hard-label weight 0.5; no per-T numbers published. MNIST (sec. 3): T >= 8 for a 300-unit student, 2.5-4 for 30 units.",
  ];
  return { json: { baselineAccuracy: base, ensembleAccuracy: ens, geometricEnsembleAccuracy: geoEns, baseTemperature: baseT, byTemperature: byT, logitMatching: logit, byHardWeight: byW, byTopK: byTop, byCombine, gradientRatio: ratios }, md };
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
    return r ? [{ model: m, label, word: r.wordFrames, other: r.otherFrames, instances: r.instances }] : [];
  });
  const md = [
    `### Sec. 3: '${w}' left out of the transfer set`,
    '',
    `${omitted.instances} instances of '${w}' (${omitted.removedFrames} frames) cut out of the transfer set (${omitted.keptFrames} frames kept); omitted pdfs (those that lost at least ${100 * omitted.minLostFraction}% of their frames): ${omitted.omittedPdfs.join(', ')}.` +
      (fix ? ` Bias shift chosen on all dev frames: ${fix.shiftNats} nats (dev frame accuracy ${pctOf(fix.dev.find((d) => d.shiftNats === 0)?.accuracy)} at 0, ${pctOf(fix.dev.find((d) => d.shiftNats === fix.shiftNats)?.accuracy)} at the shift).` : ''),
    '',
    `| model | test frames of '${w}' | accuracy on them | accuracy on the other test frames |`,
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.label} | ${r.word.numFrames} | ${pctOf(r.word.accuracy)} | ${pctOf(r.other.accuracy)} |`),
    '',
    `Paper (MNIST, every 3 left out of the transfer set): ${PAPER_SEC3.errorsOnThrees} errors on the ${PAPER_SEC3.threes} test 3s (${(100 * (1 - PAPER_SEC3.errorsOnThrees / PAPER_SEC3.threes)).toFixed(1)}% correct); with the 3's bias raised by ${PAPER_SEC3.biasShift}, ${PAPER_SEC3.errorsOnThreesFixed} (${(100 * (1 - PAPER_SEC3.errorsOnThreesFixed / PAPER_SEC3.threes)).toFixed(1)}% correct).`,
  ];
  return { json: { omitted: { ...omitted, pdfFramesFull: undefined, pdfFramesKept: undefined }, biasFix: fix, rows }, md };
}

/** The plot of sec. 2.1 (recovered fraction vs T, both losses) through the toolkit's report plots (dist/report/plots.js, built by paper.sh); left out, and said so, without a build. */
export async function writePaperPlots(dir, results) {
  const sec21 = results.sec21;
  if (!sec21 || sec21.byTemperature.length === 0) return 'no sec. 2.1 plot: no temperature points';
  const plotsJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/report/plots.js');
  if (!existsSync(plotsJs)) return `no sec. 2.1 plot: ${plotsJs} is missing (npm run build)`;
  const { renderSpec, seriesLineSpec } = await import(pathToFileURL(plotsJs).href);
  const points = sec21.byTemperature.filter((r) => r.recovered !== undefined).map((r) => ({ series: 'soft-target CE', x: r.temperature, y: 100 * r.recovered }));
  if (sec21.logitMatching?.recovered !== undefined) for (const r of sec21.byTemperature) points.push({ series: 'logit matching (no T)', x: r.temperature, y: 100 * sec21.logitMatching.recovered });
  for (const r of sec21.byTemperature) if (r.gradientRatio) points.push({ series: 'gradient ratio x 100 (dev)', x: r.temperature, y: 100 * r.gradientRatio.ratio });
  const { svg, png } = await renderSpec(seriesLineSpec(points, { title: "Sec. 2.1: recovered fraction of the ensemble's gain against T", xTitle: 'temperature T', yTitle: 'recovered (%) / gradient ratio (x 100)', xLog: true }));
  writeFileSync(path.join(dir, 'sec21-recovered.svg'), svg);
  writeFileSync(path.join(dir, 'sec21-recovered.png'), png);
  return `plot: ${path.join(dir, 'sec21-recovered.png')}`;
}

/** RESULTS.md + results.json of PAPER_EXP. */
export function writePaperTables(dir, settings = '') {
  const spec = specialistTables(dir);
  const sec6 = sec6Tables(dir);
  const sec21 = sec21Tables(dir);
  const sec3 = sec3Tables(dir);
  const md = ['# Paper experiments on the digits corpus (recipes/digits/paper.sh)', '', `Settings: ${settings}`, '', ...sec21.md, '', ...sec3.md, '', ...spec.md, '', ...sec6.md, ''];
  if (sec21.json) md.push('![recovered fraction against T](sec21-recovered.png)', '');
  writeFileSync(path.join(dir, 'RESULTS.md'), md.join('\n'));
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ settings, sec21: sec21.json ?? null, sec3: sec3.json ?? null, specialists: spec.json ?? null, sec6: sec6.json ?? null }, null, 1) + '\n');
  return md.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) {
    console.error('usage: paper-tables.mjs PAPER_EXP [SETTINGS]');
    process.exit(2);
  }
  process.stdout.write(writePaperTables(process.argv[2], process.argv[3] ?? ''));
  process.stdout.write((await writePaperPlots(process.argv[2], readJson(path.join(process.argv[2], 'results.json')))) + '\n');
}

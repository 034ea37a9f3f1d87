#!/usr/bin/env node
// recipes/digits/local/paper-tables.mjs PAPER_EXP [SETTINGS]: the tables of paper.sh, beside the
// paper's numbers (Hinton, Vinyals & Dean 2015, Tables 4 and 5), into PAPER_EXP/RESULTS.md and
// PAPER_EXP/results.json. Reads what the stages wrote: specialists/eval-test-top*.json
// (eval-specialists --json), sec6/<model>-<pct>/{eval-test.json,train.log.jsonl}, and
// sec6/baseline-eval-test.json. A missing part is left out of the tables, and said so.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The paper's Table 4 (JFT, 61 specialists): relative top-1 accuracy change by specialists covering the correct class. */
export const PAPER_TABLE4 = [
  ['0', '0.0%'], ['1', '+3.4%'], ['2', '+7.4%'], ['3', '+8.8%'], ['4', '+10.5%'], ['5', '+11.1%'],
  ['6', '+11.3%'], ['7', '+12.8%'], ['8', '+13.6%'], ['9', '+16.6%'], ['10 or more', '+14.1%'],
];
/** The paper's Table 5 (speech, test frame accuracy). */
export const PAPER_TABLE5 = { full: 58.9, hard3: 44.5, soft3: 57.0 };

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
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
  const md = ['### Sec. 6: soft targets as a regulariser (Table 5)', '', '| training data | model | utterances | frames | epochs | final train acc | test frame accuracy |', '| --- | --- | --- | --- | --- | --- | --- |'];
  if (base) md.push(`| 100% | baseline (hard targets, newbob) | | | | | ${(100 * base.accuracy).toFixed(2)}% |`);
  for (const r of rows) md.push(`| ${r.percent}% | ${name[r.kind]} | ${r.trainUtts} | ${r.trainFrames} | ${r.epochs} | ${(100 * r.trainAcc[r.trainAcc.length - 1]).toFixed(2)}% | ${(100 * r.testAccuracy).toFixed(2)}% |`);
  md.push('', `Paper (speech, 3% of 2000 h): full-data baseline ${PAPER_TABLE5.full.toFixed(1)}%, hard targets ${PAPER_TABLE5.hard3.toFixed(1)}% (with early stopping), soft targets ${PAPER_TABLE5.soft3.toFixed(1)}% test frame accuracy.`);
  md.push('', 'Dev frame accuracy per epoch (the curves):', '', '| model | ' + Array.from({ length: Math.max(0, ...rows.map((r) => r.epochs)) }, (_, i) => i + 1).join(' | ') + ' |');
  md.push('| --- |' + ' --- |'.repeat(Math.max(0, ...rows.map((r) => r.epochs))));
  for (const r of rows) md.push(`| ${r.percent}% ${r.kind} | ${r.devAcc.map((a) => (a === undefined ? '-' : (100 * a).toFixed(1))).join(' | ')} |`);
  return { json: { baselineTestAccuracy: base?.accuracy, rows }, md };
}

/** RESULTS.md + results.json of PAPER_EXP. */
export function writePaperTables(dir, settings = '') {
  const spec = specialistTables(dir);
  const sec6 = sec6Tables(dir);
  const md = ['# Paper experiments on the digits corpus (recipes/digits/paper.sh)', '', `Settings: ${settings}`, '', ...spec.md, '', ...sec6.md, ''];
  writeFileSync(path.join(dir, 'RESULTS.md'), md.join('\n'));
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ settings, specialists: spec.json ?? null, sec6: sec6.json ?? null }, null, 1) + '\n');
  return md.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) {
    console.error('usage: paper-tables.mjs PAPER_EXP [SETTINGS]');
    process.exit(2);
  }
  process.stdout.write(writePaperTables(process.argv[2], process.argv[3] ?? ''));
}

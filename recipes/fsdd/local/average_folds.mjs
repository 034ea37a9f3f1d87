// recipes/fsdd/local/average_folds.mjs TOP FOLD_DIR...: every fold's Table 1 (FOLD_DIR/results.json,
// written by `asr-distill report`) side by side and averaged, in TOP/RESULTS.md and TOP/results.json.
// Frame accuracies and gains are means over folds; the recovered fraction is the mean student gain
// over the mean ensemble gain (one fold's tiny ensemble gain would make a mean of ratios explode);
// WERs are pooled (all folds' errors over all their words), as one test set of every speaker. The
// mean's recovered fraction carries its 95% paired bootstrap interval over all folds
// (pooled_recovery.mjs; left out without a build of the toolkit).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatBounds, loadRecoveryLib, pooledRecovery } from './pooled_recovery.mjs';

const [top, ...foldDirs] = process.argv.slice(2);
if (!top || foldDirs.length === 0) {
  console.error('usage: average_folds.mjs TOP_EXP_DIR FOLD_DIR...');
  process.exit(2);
}
const systems = ['baseline', 'ensemble', 'student'];
const folds = foldDirs.map((dir) => {
  const file = path.join(dir, 'results.json');
  let r;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`average_folds.mjs: ${file}: ${e.message} (run the fold's stages 1-8 first)`);
    process.exit(1);
  }
  const speaker = path.basename(dir).replace(/^fold-/, '');
  const rows = Object.fromEntries(systems.map((s, i) => [s, r.rows[i]]));
  for (const s of systems) {
    if (!rows[s]?.testWer) {
      console.error(`average_folds.mjs: ${file}: no test WER for ${s} (run the fold's decode stage, 7)`);
      process.exit(1);
    }
  }
  return { speaker, dev: r.settings?.dev_speaker ?? '?', chosen: r.settings?.student_choice, rows, ensembleGain: r.ensembleGain, studentGain: r.studentGain, wordErrors: r.wordErrors ?? [] };
});

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x) => (100 * x).toFixed(2) + '%';
const wer = (w) => `${((100 * w.errors) / w.words).toFixed(2)}% [${w.errors} / ${w.words}]`;
const pooled = (s) => {
  const w = { errors: 0, words: 0 };
  for (const f of folds) {
    w.errors += f.rows[s].testWer.errors;
    w.words += f.rows[s].testWer.words;
  }
  return w;
};
const recovered = (f) => (f.ensembleGain > 0 ? pct(f.studentGain / f.ensembleGain) : 'n/a (no ensemble gain)');
const avg = {
  folds: folds.length,
  testFrameAccuracy: Object.fromEntries(systems.map((s) => [s, mean(folds.map((f) => f.rows[s].testFrameAccuracy))])),
  ensembleGain: mean(folds.map((f) => f.ensembleGain)),
  studentGain: mean(folds.map((f) => f.studentGain)),
  testWer: Object.fromEntries(systems.map((s) => [s, pooled(s)])),
};
avg.recoveredFraction = avg.ensembleGain > 0 ? avg.studentGain / avg.ensembleGain : null;
const lib = avg.recoveredFraction === null ? undefined : await loadRecoveryLib();
if (lib) {
  try {
    avg.recoveredInterval = pooledRecovery(lib, foldDirs);
  } catch (e) {
    console.error(`average_folds.mjs: the mean's recovered fraction without its interval: ${e.message}`);
  }
}
const hardest = folds.reduce((a, b) => (b.rows.student.testWer.errors / b.rows.student.testWer.words > a.rows.student.testWer.errors / a.rows.student.testWer.words ? b : a));

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  // not a git checkout
}
// run.sh --choose-student dev: each fold's student is the candidate its dev speaker chose.
const chosenCol = folds.some((f) => f.chosen);
const lines = [
  '# FSDD, leave one speaker out: Table 1 per fold and averaged',
  '',
  `${folds.length} fold(s); date ${new Date().toISOString().slice(0, 10)}, commit ${commit}. Each fold: ${path.join('fold-<speaker>', 'RESULTS.md')}.`,
  'Frame accuracy on the test speaker; WER with [errors / words]; recovered = student gain / ensemble gain (the paper: more than 80%).',
  '',
  `| test speaker | dev speaker |${chosenCol ? ' student (chosen on dev) |' : ''} baseline frame acc | ensemble frame acc | student frame acc | recovered | baseline WER | ensemble WER | student WER |`,
  `|---|---|${chosenCol ? '---|' : ''}---|---|---|---|---|---|---|`,
  ...folds.map(
    (f) =>
      `| ${f.speaker} | ${f.dev} |${chosenCol ? ` ${f.chosen ?? '?'} |` : ''} ${systems.map((s) => pct(f.rows[s].testFrameAccuracy)).join(' | ')} | ${recovered(f)} | ${systems.map((s) => wer(f.rows[s].testWer)).join(' | ')} |`,
  ),
  `| **mean** | |${chosenCol ? ' |' : ''} ${systems.map((s) => pct(avg.testFrameAccuracy[s])).join(' | ')} | ${avg.recoveredFraction === null ? 'n/a' : pct(avg.recoveredFraction)}${avg.recoveredInterval ? ` ${formatBounds(avg.recoveredInterval)}` : ''} | ${systems.map((s) => wer(avg.testWer[s])).join(' | ')} |`,
  '',
  'Mean frame accuracy over folds; the mean row\'s recovered fraction is the mean student gain over the mean ensemble gain [its 95% interval: every fold\'s test utterances resampled, paired across its three systems]; its WERs pool every fold\'s errors and words.',
  '',
  `Hardest speaker (the student's highest WER): **${hardest.speaker}**, ${wer(hardest.rows.student.testWer)}.`,
];
if (hardest.wordErrors.length) {
  lines.push('', `Its most frequent errors (baseline / ensemble / student):`, '');
  for (const r of hardest.wordErrors.slice(0, 5)) lines.push(`- ${r.error}: ${r.counts.baseline} / ${r.counts.ensemble} / ${r.counts.student}`);
}
writeFileSync(path.join(top, 'RESULTS.md'), lines.join('\n') + '\n');
writeFileSync(path.join(top, 'results.json'), JSON.stringify({ folds: folds.map(({ wordErrors, ...f }) => f), mean: avg, hardestSpeaker: hardest.speaker }, null, 2) + '\n');

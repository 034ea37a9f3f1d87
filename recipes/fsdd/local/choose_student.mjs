// recipes/fsdd/local/choose_student.mjs [--first] FOLD_DIR NAME...: the student configuration of the fold
// chosen on its dev speaker (run.sh --choose-student dev): the candidate with the highest dev frame
// accuracy (the measure the recovered fraction is of; the first listed wins a tie); with --first (run.sh
// --choose-student first), the first listed, fixed in advance, the others kept for the record. Reads the candidates'
// FOLD_DIR/eval/candidates_<name>_{dev,test}.json (eval-frames --json), writes FOLD_DIR/student-choice.json
// and FOLD_DIR/student-choice.md (every candidate's numbers and the choice), prints the chosen name.
// Test frame accuracy is recorded beside, never read by the choice: it shows what the choice cost.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The chosen candidate: the highest dev frame accuracy, the earliest on a tie.
 * @example chooseStudent([{ name: 'a', dev: 0.5 }, { name: 'b', dev: 0.6 }]) // 'b'
 */
export function chooseStudent(candidates) {
  if (candidates.length === 0) throw new Error('choose_student.mjs: no candidates');
  return candidates.reduce((best, c) => (c.dev > best.dev ? c : best)).name;
}

/**
 * The per-fold table: every candidate's dev (and, for the record, test) frame accuracy, the choice
 * marked; `fixed`: the student was the first listed, fixed in advance (--first), not chosen.
 */
export function choiceMarkdown(candidates, chosen, devSpeaker, fixed = false) {
  const pct = (x) => (x === undefined ? 'n/a' : (100 * x).toFixed(2) + '%');
  return [
    '',
    fixed ? `## Student fixed in advance: ${chosen} (the other candidates for the record)` : `## Student chosen on the dev speaker (${devSpeaker}): ${chosen}`,
    '',
    fixed
      ? `Each candidate distilled from the same ensemble; the student is the first listed, fixed before any number was seen. Dev (${devSpeaker}) and test frame accuracy are shown for the record only: neither chose.`
      : 'Each candidate distilled from the same ensemble; chosen by dev frame accuracy (an unseen speaker). Test frame accuracy is shown for the record only: it did not choose.',
    '',
    '| candidate | dev frame acc | test frame acc (not used) | chosen |',
    '|---|---|---|---|',
    ...candidates.map((c) => `| ${c.name} | ${pct(c.dev)} | ${pct(c.test)} | ${c.name === chosen ? 'yes' : ''} |`),
    '',
  ].join('\n');
}

function main(argv) {
  const fixed = argv[0] === '--first';
  const [fold, ...names] = fixed ? argv.slice(1) : argv;
  if (!fold || names.length === 0) {
    console.error('usage: choose_student.mjs [--first] FOLD_DIR NAME...');
    process.exit(2);
  }
  const accuracy = (name, set) => {
    const file = path.join(fold, 'eval', `candidates_${name}_${set}.json`);
    try {
      return JSON.parse(readFileSync(file, 'utf8')).scores.accuracy;
    } catch (e) {
      if (set === 'test') return undefined;
      console.error(`choose_student.mjs: ${file}: ${e.message} (eval-frames the candidate on dev first)`);
      process.exit(1);
    }
  };
  const candidates = names.map((name) => ({ name, dev: accuracy(name, 'dev'), test: accuracy(name, 'test') }));
  const chosen = fixed ? names[0] : chooseStudent(candidates);
  let devSpeaker = 'dev';
  try {
    devSpeaker = readFileSync(path.join(fold, 'data', 'dev', 'spk2utt'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]).join(', ');
  } catch {
    // no data dir: name the set only
  }
  writeFileSync(path.join(fold, 'student-choice.json'), JSON.stringify({ criterion: fixed ? 'fixed in advance (the first listed)' : 'dev frame accuracy', devSpeaker, candidates, chosen }, null, 2) + '\n');
  writeFileSync(path.join(fold, 'student-choice.md'), choiceMarkdown(candidates, chosen, devSpeaker, fixed));
  console.log(chosen);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));

import type { Command } from 'commander';
import { action, examples, nonNegativeInt, oneOf, positiveInt } from '../command.js';
import { readTranscript } from '../../score/text-file.js';
import { scoreTranscripts, type WerMode } from '../../score/wer.js';
import { bootstrapWerComparison, formatWerComparison } from '../../score/bootstrap.js';

export const order = 71;

interface CompareOptions {
  mode: WerMode;
  replications: number;
  seed: number;
  json?: boolean;
}

/** Register `asr-distill wer-compare` on the program. */
export function register(program: Command): void {
  program
    .command('wer-compare')
    .description('Compare two systems: bootstrap 95% confidence intervals of their WERs and of the difference, and P(B better than A), like Kaldi compute-wer-bootci')
    .argument('<ref-text>', 'reference transcript (Kaldi text)')
    .argument('<hyp-a>', 'hypotheses of system A (Set1)')
    .argument('<hyp-b>', 'hypotheses of system B (Set2)')
    .option('--mode <mode>', 'strict: both must cover the reference; present: only utterances present in both; all: missing = empty hypothesis', oneOf('strict', 'present', 'all'), 'strict')
    .option('--replications <n>', 'bootstrap replications', positiveInt, 10000)
    .option('--seed <n>', 'random seed of the resampling', nonNegativeInt, 0)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('asr-distill wer-compare data/test/text exp/decode/baseline_test/hyp.txt exp/decode/student_test/hyp.txt'))
    .action(
      action('wer-compare', async (refFile: string, hypAFile: string, hypBFile: string, opts: CompareOptions) => {
        const [ref, hypA, hypB] = await Promise.all([readTranscript(refFile), readTranscript(hypAFile), readTranscript(hypBFile)]);
        // In `present` mode only the utterances both systems decoded are compared (paired).
        const scored = opts.mode === 'present' ? new Map([...ref].filter(([id]) => hypA.has(id) && hypB.has(id))) : ref;
        const mode = opts.mode === 'present' ? 'all' : opts.mode;
        const a = scoreTranscripts(scored, opts.mode === 'present' ? new Map([...hypA].filter(([id]) => scored.has(id) || !ref.has(id))) : hypA, { mode, refFile, hypFile: hypAFile });
        const b = scoreTranscripts(scored, opts.mode === 'present' ? new Map([...hypB].filter(([id]) => scored.has(id) || !ref.has(id))) : hypB, { mode, refFile, hypFile: hypBFile });
        const errs = (r: typeof a) => Int32Array.from(r.utts, (u) => u.sub + u.ins + u.del);
        const c = bootstrapWerComparison(errs(a), errs(b), Int32Array.from(a.utts, (u) => u.ref.length), { replications: opts.replications, seed: opts.seed });
        process.stdout.write(opts.json ? JSON.stringify(c, null, 1) + '\n' : formatWerComparison(c));
      }),
    );
}

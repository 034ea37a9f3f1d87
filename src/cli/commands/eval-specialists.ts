import type { Command } from 'commander';
import { action, examples, oneOf, positiveInt } from '../command.js';
import { BACKEND_HELP, BACKEND_NAMES, type BackendName } from '../../nnet/backend-name.js';
import { evalSpecialistsDir, formatSpecialistsEval } from '../../nnet/specialists-infer.js';
import { DEFAULT_TOP_N } from '../../nnet/specialists.js';
import { ALLOW_FEATURE_MISMATCH_HELP } from '../feature-options.js';

export const order = 59;

export function register(program: Command): void {
  program
    .command('eval-specialists')
    .description(
      'Frame accuracy of a generalist alone and combined with its specialists (Hinton et al. 2015, sec. 5.3: the generalist\'s top N pdfs pick the active specialists, ' +
        'q minimises eq. 5 by SQUAREM-accelerated EM), by the number of active specialists covering the correct pdf (the paper\'s Table 4)',
    )
    .argument('<specialists>', 'directory from train-specialists (names its generalist)')
    .argument('<feats-dir>', 'features to score')
    .argument('<ali-dir>', 'their alignments (the reference states)')
    .option('--top <N>', "the generalist's N most probable pdfs pick the active specialists", positiveInt, DEFAULT_TOP_N)
    .option('--steps <n>', 'EM map evaluations of the eq. 5 minimisation per frame, at most (fewer once converged)', positiveInt, 200)
    .option('--json', 'print the scores as JSON')
    .option('--allow-feature-mismatch', ALLOW_FEATURE_MISMATCH_HELP)
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), 'auto')
    .addHelpText('after', examples('asr-distill eval-specialists exp/digits/specialists exp/digits/feats/test exp/digits/ali_test', 'asr-distill eval-specialists exp/spec feats/test exp/ali_test --top 1 --json'))
    .action(
      action('eval-specialists', async (dir: string, featsDir: string, aliDir: string, o: { top: number; steps: number; json?: boolean; backend: BackendName; allowFeatureMismatch?: boolean }) => {
        const r = await evalSpecialistsDir(dir, featsDir, aliDir, { topN: o.top, steps: o.steps, backend: o.backend, allowFeatureMismatch: o.allowFeatureMismatch });
        process.stdout.write(o.json ? JSON.stringify(r, null, 1) + '\n' : formatSpecialistsEval(r));
      }),
    );
}

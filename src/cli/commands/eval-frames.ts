import type { Command } from 'commander';
import { action, examples, oneOf, positiveInt } from '../command.js';
import { BACKEND_HELP, BACKEND_NAMES, DEFAULT_BACKEND, type BackendName } from '../../nnet/backend-name.js';
import { evalFramesDir, formatEval } from '../../nnet/eval.js';
import { DEFAULT_MAX_MEMORY_FRAMES } from '../../nnet/frame-stream.js';
import { ALLOW_FEATURE_MISMATCH_HELP } from '../feature-options.js';
import { DEFAULT_TOP_N } from '../../nnet/specialists.js';

export const order = 53;

export function register(program: Command): void {
  program
    .command('eval-frames')
    .description('Frame accuracy and average cross-entropy of a DNN or an ensemble (and of each member) against alignments')
    .argument('<model>', 'model directory (train/distill), ensemble directory, or specialists directory (train-specialists: its generalist combined with the specialists, sec. 5.3)')
    .argument('<feats-dir>', 'features to score')
    .argument('<ali-dir>', 'their alignments (the reference states)')
    .option('--json', 'print the scores as JSON')
    .option('--allow-feature-mismatch', ALLOW_FEATURE_MISMATCH_HELP)
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), DEFAULT_BACKEND)
    .option('--max-memory-frames <n>', `frames held in memory at most; bigger data is scored shard by shard (default ${DEFAULT_MAX_MEMORY_FRAMES})`, positiveInt)
    .option('--top <N>', `a specialists directory only: the generalist's N most probable pdfs pick the active specialists (default ${DEFAULT_TOP_N}, as eval-specialists)`, positiveInt)
    .addHelpText(
      'after',
      examples(
        'asr-distill eval-frames exp/dnn feats/dev exp/ali_dev',
        'asr-distill eval-frames exp/ens feats/dev exp/ali_dev --json',
        'asr-distill eval-frames exp/specialists feats/test exp/ali_test --top 1',
      ),
    )
    .action(
      action('eval-frames', async (modelDir: string, featsDir: string, aliDir: string, o: { json?: boolean; backend: BackendName; allowFeatureMismatch?: boolean; maxMemoryFrames?: number; top?: number }) => {
        const r = await evalFramesDir(modelDir, featsDir, aliDir, { backend: o.backend, allowFeatureMismatch: o.allowFeatureMismatch, maxMemoryFrames: o.maxMemoryFrames, specialists: { topN: o.top } });
        process.stdout.write(o.json ? JSON.stringify(r, null, 1) + '\n' : formatEval(r));
      }),
    );
}

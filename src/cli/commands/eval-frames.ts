import type { Command } from 'commander';
import { action, examples, oneOf } from '../command.js';
import type { BackendName } from '../../nnet/backend.js';
import { evalFramesDir, formatEval } from '../../nnet/eval.js';

export const order = 53;

export function register(program: Command): void {
  program
    .command('eval-frames')
    .description('Frame accuracy and average cross-entropy of a DNN or an ensemble (and of each member) against alignments')
    .argument('<model>', 'model directory (train/distill) or ensemble directory')
    .argument('<feats-dir>', 'features to score')
    .argument('<ali-dir>', 'their alignments (the reference states)')
    .option('--json', 'print the scores as JSON')
    .option('--backend <name>', 'TensorFlow.js backend', oneOf('auto', 'tensorflow', 'wasm', 'cpu'), 'auto')
    .addHelpText(
      'after',
      examples(
        'asr-distill eval-frames exp/dnn feats/dev exp/ali_dev',
        'asr-distill eval-frames exp/ens feats/dev exp/ali_dev --json',
      ),
    )
    .action(
      action('eval-frames', async (modelDir: string, featsDir: string, aliDir: string, o: { json?: boolean; backend: BackendName }) => {
        const r = await evalFramesDir(modelDir, featsDir, aliDir, { backend: o.backend });
        process.stdout.write(o.json ? JSON.stringify(r, null, 1) + '\n' : formatEval(r));
      }),
    );
}

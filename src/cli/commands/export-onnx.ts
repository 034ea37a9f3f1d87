import type { Command } from 'commander';
import { action, examples } from '../command.js';
import { exportOnnx } from '../../nnet/ort/export.js';

export const order = 54;

export function register(program: Command): void {
  program
    .command('export-onnx')
    .description('Write a DNN or a whole ensemble as one standalone ONNX model: CMVN-normalised frames [T, dim] in, log-posteriors [T, pdfs] out (splicing and the ensemble combination inside)')
    .argument('<model>', 'model directory (train/distill) or ensemble directory')
    .argument('<out>', 'the .onnx file to write')
    .option('--likelihoods', 'also output log_likelihoods = log_posteriors - log priors (the decoder\'s scaled likelihoods)')
    .addHelpText(
      'after',
      examples(
        'asr-distill export-onnx exp/dnn exp/dnn.onnx',
        'asr-distill export-onnx exp/ens exp/ens.onnx --likelihoods',
      ),
    )
    .action(
      action('export-onnx', async (modelDir: string, out: string, o: { likelihoods?: boolean }) => {
        const r = await exportOnnx(modelDir, out, { likelihoods: o.likelihoods });
        const what = r.kind === 'ensemble' ? `ensemble of ${r.members}` : 'DNN';
        process.stdout.write(`${out}: ${what}, input feats [T, ${r.featDim}], output log_posteriors [T, ${r.numPdfs}]${o.likelihoods ? ' and log_likelihoods' : ''} (${r.bytes} bytes)\n`);
      }),
    );
}

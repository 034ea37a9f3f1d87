import type { Command } from 'commander';
import { action, examples, finiteNumber, oneOf, OVERWRITE_HELP } from '../command.js';
import { BACKEND_HELP, BACKEND_NAMES, DEFAULT_BACKEND, type BackendName } from '../../nnet/backend-name.js';
import { biasFixDir, DEFAULT_BIAS_SHIFTS } from '../../nnet/omitted-word.js';

export const order = 64;

export function register(program: Command): void {
  program
    .command('bias-fix')
    .description(
      "Hinton et al. 2015, sec. 3's fix for a class missing from the transfer set: raise the output biases of omit-word's omitted pdfs by the constant " +
        'that maximises frame accuracy on dev, and write the model with those biases',
    )
    .argument('<model>', 'the student trained on the transfer set without the word (a single DNN)')
    .argument('<omitted>', "omit-word's omitted.json")
    .argument('<dev-feats>', 'held-out features (every frame: the word and the others)')
    .argument('<dev-ali>', 'their alignments')
    .argument('<out>', 'output model directory (+ bias-fix.json: the shift and the dev accuracy of each tried)')
    .option('--shifts <list>', `comma-separated shifts in nats to try (default: ${DEFAULT_BIAS_SHIFTS[0]} to ${DEFAULT_BIAS_SHIFTS.at(-1)} by ${DEFAULT_BIAS_SHIFTS[1] - DEFAULT_BIAS_SHIFTS[0]})`, (v: string) => v.split(',').map(finiteNumber))
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), DEFAULT_BACKEND)
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText('after', examples('asr-distill bias-fix exp/no-three/student exp/no-three/omitted.json exp/feats/dev exp/ali_dev exp/no-three/student-fixed'))
    .action(
      action('bias-fix', async (modelDir: string, omittedFile: string, devFeatsDir: string, devAliDir: string, outDir: string, o: { shifts?: number[]; backend: BackendName; overwrite?: boolean }) => {
        const r = await biasFixDir({ modelDir, omittedFile, devFeatsDir, devAliDir, outDir, shifts: o.shifts, backend: o.backend, overwrite: o.overwrite });
        const at = (s: number) => r.dev.find((d) => d.shiftNats === s)!.accuracy;
        process.stdout.write(`bias-fix: ${r.pdfs.length} pdfs raised by ${r.shiftNats} nats; dev frame accuracy ${(100 * at(r.shiftNats)).toFixed(2)}% (without: ${r.dev.some((d) => d.shiftNats === 0) ? `${(100 * at(0)).toFixed(2)}%` : 'not tried'})\n`);
      }),
    );
}

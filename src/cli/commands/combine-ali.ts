import type { Command } from 'commander';
import { action, examples, OVERWRITE_HELP } from '../command.js';
import { combineAliDirs } from '../../hmm/combine-ali.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 48;

export function register(program: Command): void {
  program
    .command('combine-ali')
    .description('Combine alignment directories made with the same model and lang into one (steps/combine_ali_dirs.sh); no utterance twice')
    .argument('<out-dir>', 'output alignment directory')
    .argument('<ali-dirs...>', 'source alignment directories')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText('after', examples('asr-distill combine-ali exp/mono_ali exp/mono_ali.1 exp/mono_ali.2'))
    .action(
      action('combine-ali', async (out: string, dirs: string[], o: { overwrite?: boolean }) => {
        const info = await withOutputDir(out, { command: 'combine-ali', overwrite: o.overwrite }, (work) => combineAliDirs(work, dirs));
        const failed = info.failed.length ? `, ${info.failed.length} failed` : '';
        process.stdout.write(`combine-ali: ${out}: ${info.numUtts} utterance${info.numUtts === 1 ? '' : 's'}${failed}, ${info.numFrames} frames\n`);
      }),
    );
}

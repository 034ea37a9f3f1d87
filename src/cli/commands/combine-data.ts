import type { Command } from 'commander';
import { action, examples, OVERWRITE_HELP } from '../command.js';
import { combineDataDirs } from '../../data/combine-data.js';
import { formatWrittenDataDir } from '../data-dir-summary.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 13;

export function register(program: Command): void {
  program
    .command('combine-data')
    .description('Combine Kaldi data directories into one (utils/combine_data.sh); utterance ids must be unique across them; the result is validated')
    .argument('<out-dir>', 'output data directory')
    .argument('<data-dirs...>', 'source data directories')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText('after', examples('asr-distill combine-data data/train_all data/digits/train data/words/train'))
    .action(
      action('combine-data', async (out: string, dirs: string[], o: { overwrite?: boolean }) => {
        const r = await withOutputDir(out, { command: 'combine-data', overwrite: o.overwrite }, (work) => combineDataDirs(work, dirs));
        process.stdout.write(`combine-data: ${formatWrittenDataDir(out, r)}\n`);
      }),
    );
}

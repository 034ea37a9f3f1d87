import * as path from 'node:path';
import type { Command } from 'commander';
import { action, examples, positiveInt } from '../command.js';
import { splitDataDir } from '../../data/split-data.js';
import { formatWrittenDataDir } from '../data-dir-summary.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 12;

export function register(program: Command): void {
  program
    .command('split-data')
    .description('Split a Kaldi data directory into N parts by speaker (utils/split_data.sh) in DATA_DIR/splitN/1..N, each validated')
    .argument('<data-dir>', 'data directory')
    .argument('<n>', 'number of parts (at most the number of speakers)', positiveInt)
    .addHelpText('after', examples('asr-distill split-data data/digits/train 4'))
    .action(
      action('split-data', async (dir: string, n: number) => {
        const out = path.join(dir, `split${n}`);
        // Rewritten whole each time, like split_data.sh when the source is newer.
        const parts = await withOutputDir(out, { command: 'split-data', overwrite: true }, (work) => splitDataDir(dir, work, n));
        parts.forEach((p, i) => process.stdout.write(`split-data: ${formatWrittenDataDir(path.join(out, String(i + 1)), p)}\n`));
      }),
    );
}

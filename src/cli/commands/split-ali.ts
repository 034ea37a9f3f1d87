import * as path from 'node:path';
import type { Command } from 'commander';
import { action, examples, positiveInt } from '../command.js';
import { splitAliDir } from '../../hmm/split-ali.js';
import { readDataDir } from '../../data/data-dir.js';
import { addDerivedFiles } from '../../store/output-dir.js';
import { produceAtomic } from '../../store/atomic.js';
import { readAliInfo } from '../../hmm/ali-archive.js';

export const order = 47;

export function register(program: Command): void {
  program
    .command('split-ali')
    .description(
      'Split an alignment directory into N parts in ALI_DIR/splitN/1..N, grouped as `split-data DATA_DIR N` groups the data directory ' +
        '(part JOB holds the alignments of DATA_DIR/splitN/JOB), for per-job work on a cluster',
    )
    .argument('<ali-dir>', 'alignment directory (asr-distill align or import-ali)')
    .argument('<n>', 'number of parts (at most the number of speakers)', positiveInt)
    .requiredOption('--data <dir>', 'the data directory the alignment was made from (alignments do not record speakers)')
    .addHelpText('after', examples('asr-distill split-ali exp/mono_ali 4 --data data/train'))
    .action(
      action('split-ali', async (aliDir: string, n: number, o: { data: string }) => {
        await readAliInfo(aliDir); // before anything is written into it: says what is missing
        const { spk2utt } = await readDataDir(o.data);
        const name = `split${n}`;
        // A part of ALI_DIR, dropped when `align` rewrites it (a derived entry).
        const infos = await addDerivedFiles(aliDir, 'split-ali', [name], (dir) => produceAtomic(path.join(dir, name), (tmp) => splitAliDir(aliDir, tmp, n, spk2utt, o.data)));
        infos.forEach((info, i) => {
          const failed = info.failed.length ? `, ${info.failed.length} failed` : '';
          process.stdout.write(`split-ali: ${path.join(aliDir, name, String(i + 1))}: ${info.numUtts} utterance${info.numUtts === 1 ? '' : 's'}${failed}, ${info.numFrames} frames\n`);
        });
      }),
    );
}

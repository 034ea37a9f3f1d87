import * as path from 'node:path';
import type { Command } from 'commander';
import { action, examples, positiveInt } from '../command.js';
import { splitFeatsDir } from '../../features/split-feats.js';
import { readDataDir } from '../../data/data-dir.js';
import { addDerivedFiles } from '../../store/output-dir.js';
import { produceAtomic } from '../../store/atomic.js';
import { readFeatsInfo } from '../../store/feats-archive.js';

export const order = 25;

export function register(program: Command): void {
  program
    .command('split-feats')
    .description(
      'Split a feature directory into N parts by speaker in FEATS_DIR/splitN/1..N (each a feature directory with its cmvn.json stats), ' +
        'grouped as split-data groups the data directory, for per-job work on a cluster',
    )
    .argument('<feats-dir>', 'feature directory (asr-distill features)')
    .argument('<n>', 'number of parts (at most the number of speakers)', positiveInt)
    .option('--data <dir>', "group by this data directory's speakers, so that part JOB holds the features of DATA/splitN/JOB (default: the speakers in the archive)")
    .option('--max-memory-frames <n>', 'frames held in memory over all parts while splitting (default 4000000)', positiveInt)
    .addHelpText('after', examples('asr-distill split-feats exp/feats/train 4 --data data/train', 'asr-distill combine-feats exp/feats/train_all exp/feats/train/split4/{1,2,3,4}'))
    .action(
      action('split-feats', async (featsDir: string, n: number, o: { data?: string; maxMemoryFrames?: number }) => {
        await readFeatsInfo(featsDir); // before anything is written into it: says what is missing
        const spk2utt = o.data ? (await readDataDir(o.data)).spk2utt : undefined;
        const name = `split${n}`;
        const out = path.join(featsDir, name);
        // A part of FEATS_DIR, dropped when `features` rewrites it (a derived entry, like cmvn.json).
        const infos = await addDerivedFiles(featsDir, 'split-feats', [name], (dir) =>
          produceAtomic(path.join(dir, name), (tmp) => splitFeatsDir(featsDir, tmp, n, { spk2utt, dataDir: o.data, maxMemoryFrames: o.maxMemoryFrames })),
        );
        infos.forEach((info, i) =>
          process.stdout.write(`split-feats: ${path.join(out, String(i + 1))}: ${info.numUtts} utterance${info.numUtts === 1 ? '' : 's'}, ${info.numFrames} frames\n`),
        );
      }),
    );
}

import type { Command } from 'commander';
import { action, examples, OVERWRITE_HELP } from '../command.js';
import { DEFAULT_MIN_LOST_FRACTION, omitWordDir } from '../../nnet/omitted-word.js';
import { positiveNumber } from './train.js';

export const order = 63;

export function register(program: Command): void {
  program
    .command('omit-word')
    .description(
      'A transfer set without one word (Hinton et al. 2015, sec. 3: a class missing from the transfer set): every frame of its instances cut out of FEATS_DIR and ALI_DIR, ' +
        'written to OUT/feats and OUT/ali, and OUT/omitted.json naming the pdfs that lost at least half of their frames (what bias-fix raises)',
    )
    .argument('<data-dir>', 'the data directory of FEATS_DIR (its transcripts locate the word)')
    .argument('<feats-dir>', 'transfer set features (cmvn.json is kept)')
    .argument('<ali-dir>', 'their alignments')
    .argument('<word>', 'the word to leave out (e.g. three)')
    .argument('<out>', 'output directory: feats/, ali/, omitted.json')
    .option('--min-lost <fraction>', 'a pdf is omitted when the word held at least this fraction of its frames', positiveNumber, DEFAULT_MIN_LOST_FRACTION)
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText('after', examples('asr-distill omit-word data/digits/train exp/digits/feats/train exp/digits/ali_train three exp/digits/no-three'))
    .action(
      action('omit-word', async (dataDir: string, featsDir: string, aliDir: string, word: string, outDir: string, o: { minLost: number; overwrite?: boolean }) => {
        const r = await omitWordDir({ dataDir, featsDir, aliDir, word, outDir, minLostFraction: o.minLost, overwrite: o.overwrite });
        process.stdout.write(
          `omit-word: '${word}': ${r.instances} instances, ${r.removedFrames} frames removed, ${r.keptFrames} kept` +
            `${r.droppedUtts.length ? ` (${r.droppedUtts.length} utterances left empty, dropped)` : ''}; omitted pdfs: ${r.omittedPdfs.join(' ') || 'none'}\n`,
        );
      }),
    );
}

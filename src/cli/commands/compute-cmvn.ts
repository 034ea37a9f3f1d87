import type { Command } from 'commander';
import * as path from 'node:path';
import { action, examples, oneOf } from '../command.js';
import { addDerivedFiles } from '../../store/output-dir.js';
import { CMVN_FILE, computeCmvnStatsOfDir, writeCmvn, type CmvnPer } from '../../features/cmvn.js';

export const order = 21;

export function register(program: Command): void {
  program
    .command('compute-cmvn')
    .description(
      "Accumulate cepstral mean/variance statistics (Kaldi compute-cmvn-stats) per speaker or per utterance into FEATS_DIR/cmvn.json; " +
        'later stages apply them on the fly (apply-cmvn semantics)',
    )
    .argument('<feats-dir>', 'feature directory written by `asr-distill features`')
    .option('--per <unit>', 'statistics per speaker or per utterance', oneOf<CmvnPer>('speaker', 'utterance'), 'speaker' as CmvnPer)
    .addHelpText('after', examples('asr-distill compute-cmvn exp/feats/train', 'asr-distill compute-cmvn exp/feats/test --per utterance'))
    .action(
      action('compute-cmvn', async (featsDir: string, o: { per: CmvnPer }) => {
        // Under the features directory's lock, and recorded as derived from it: a features rerun drops it.
        const { info, cmvn } = await addDerivedFiles(featsDir, 'compute-cmvn', [CMVN_FILE], async () => {
          // Streamed: one record batch of features in memory whatever the corpus size.
          const { info, cmvn } = await computeCmvnStatsOfDir(featsDir, o.per);
          await writeCmvn(featsDir, cmvn);
          return { info, cmvn };
        });
        const n = Object.keys(cmvn.stats).length;
        process.stdout.write(
          `compute-cmvn: ${n} ${o.per === 'speaker' ? 'speaker' : 'utterance'}${n === 1 ? '' : 's'}, ${info.numFrames} frames x ${info.dim} -> ${path.join(featsDir, CMVN_FILE)}\n`,
        );
      }),
    );
}

import type { Command } from 'commander';
import { action, examples, OVERWRITE_HELP } from '../command.js';
import { combineFeatsDirs } from '../../features/combine-feats.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 26;

export function register(program: Command): void {
  program
    .command('combine-feats')
    .description(
      'Combine feature directories into one (utils/combine_data.sh for feats.scp and cmvn.scp): same feature configuration, ' +
        'no utterance twice; cmvn.json stats are summed when every source has them',
    )
    .argument('<out-dir>', 'output feature directory')
    .argument('<feats-dirs...>', 'source feature directories')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText('after', examples('asr-distill combine-feats exp/feats/train exp/feats/train.1 exp/feats/train.2'))
    .action(
      action('combine-feats', async (out: string, dirs: string[], o: { overwrite?: boolean }) => {
        const r = await withOutputDir(out, { command: 'combine-feats', overwrite: o.overwrite }, (work) => combineFeatsDirs(work, dirs));
        const { numUtts, numFrames, shards } = r.info;
        process.stdout.write(
          `combine-feats: ${out}: ${numUtts} utterance${numUtts === 1 ? '' : 's'}, ${numFrames} frames in ${shards.length} shard${shards.length === 1 ? '' : 's'}` +
            `${r.cmvn ? ', cmvn.json merged' : ''}${r.dropped.length ? `; left out ${r.dropped.join(', ')}` : ''}\n`,
        );
      }),
    );
}

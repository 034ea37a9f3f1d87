import type { Command } from 'commander';
import { action, examples } from '../command.js';
import { exportKaldiFeats } from '../../features/kaldi-feats.js';

export const order = 24;

export function register(program: Command): void {
  program
    .command('export-feats')
    .description(
      'Write a FEATS_DIR as a binary Kaldi archive of float matrices and an scp pointing into it ' +
        '(like copy-feats ark,scp:feats.ark,feats.scp), for Kaldi, kaldiio or lhotse',
    )
    .argument('<feats-dir>', 'feature directory (asr-distill features / import-feats)')
    .argument('<ark>', 'archive to write, e.g. data/train/feats.ark')
    .option('--scp <file>', 'scp to write (default: the archive path with .scp); it names the archive by its absolute path')
    .option('--cmvn', 'apply FEATS_DIR/cmvn.json first (mean normalisation, like apply-cmvn)')
    .option('--norm-vars', 'with --cmvn, also normalise variances (apply-cmvn --norm-vars=true)')
    .addHelpText(
      'after',
      examples('asr-distill export-feats exp/feats/train s5/data/train/feats.ark   # + feats.scp', 'copy-feats scp:s5/data/train/feats.scp ark,t:- | head'),
    )
    .action(
      action('export-feats', async (featsDir: string, ark: string, o: { scp?: string; cmvn?: boolean; normVars?: boolean }) => {
        const r = await exportKaldiFeats(featsDir, ark, o);
        process.stdout.write(`export-feats: ${r.numUtts} utts, ${r.numFrames} frames x ${r.dim} -> ${ark} + ${r.scp}\n`);
      }),
    );
}

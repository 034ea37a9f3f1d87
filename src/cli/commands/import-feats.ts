import type { Command } from 'commander';
import { action, examples, OVERWRITE_HELP } from '../command.js';
import { importKaldiFeats } from '../../features/kaldi-feats.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 23;

export function register(program: Command): void {
  program
    .command('import-feats')
    .description(
      'Import features computed by Kaldi into a FEATS_DIR: a Kaldi data dir (its feats.scp and utt2spk), a feats.scp, ' +
        'or an .ark (binary float/double, text, or compressed CM/CM2/CM3 matrices, as make_fbank.sh writes them)',
    )
    .argument('<input>', 'Kaldi data dir, feats.scp, .ark file, or an rspecifier such as scp:data/train/feats.scp')
    .argument('<feats-dir>', 'output feature directory')
    .option('--utt2spk <file>', "speaker of each utterance (default: the data dir's utt2spk; without one each utterance is its own speaker)")
    .option('--fbank-conf <file>', 'the Kaldi fbank.conf the features were made with: recorded as an fbank config, so models trained on them can also transcribe audio')
    .option('--conf <file>', 'any other Kaldi feature config (mfcc.conf ...): its options are recorded as they are')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill import-feats s5/data/train exp/feats/kaldi_train --fbank-conf s5/conf/fbank.conf',
        'asr-distill import-feats scp:s5/data/train/feats.scp exp/feats/mfcc --conf s5/conf/mfcc.conf',
      ),
    )
    .action(
      action('import-feats', async (input: string, featsDir: string, o: { utt2spk?: string; fbankConf?: string; conf?: string; overwrite?: boolean }) => {
        const s = await withOutputDir(featsDir, { command: 'import-feats', overwrite: o.overwrite }, (work) =>
          importKaldiFeats(input, work, { utt2spk: o.utt2spk, fbankConf: o.fbankConf, conf: o.conf }),
        );
        for (const k of s.skipped) process.stderr.write(`import-feats: skipped ${k.uttId}: ${k.reason}\n`);
        const formats = Object.entries(s.formats).map(([f, n]) => `${n} ${f}`).join(', ');
        const config = s.info.config.type === 'kaldi' ? (s.info.config.options ? 'Kaldi options recorded' : 'feature config unknown') : 'fbank config';
        process.stdout.write(
          `import-feats: ${s.info.numUtts} utts, ${s.info.numFrames} frames x ${s.info.dim} -> ${featsDir} (${formats}; ${config})` +
            `${s.skipped.length ? `; ${s.skipped.length} skipped (see ${featsDir}/bad_utts)` : ''}\n`,
        );
      }),
    );
}

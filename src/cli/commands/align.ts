import type { Command } from 'commander';
import { action, examples, nonNegativeInt, positiveInt, OVERWRITE_HELP } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { alignData } from '../../hmm/align.js';
import { ALLOW_FEATURE_MISMATCH_HELP } from '../feature-options.js';
import { addViterbiOptions, viterbiOptions, type ViterbiCliOptions } from '../viterbi-options.js';

export const order = 41;

export function register(program: Command): void {
  const cmd = program
    .command('align')
    .description(
      'Force-align a data directory with a trained GMM-HMM (Kaldi steps/align_si.sh): per-frame pdf and ' +
        'phone ids in ALI_DIR (the DNN targets); utterances that fail are listed in ALI_DIR/failed',
    )
    .argument('<data-dir>', 'Kaldi data directory with text (transcripts)')
    .argument('<feats-dir>', 'features of that data directory')
    .argument('<lang-dir>', 'language directory (the one the model was trained with)')
    .argument('<model-dir>', 'GMM model directory (asr-distill train-mono)')
    .argument('<ali-dir>', 'output alignment directory');
  addViterbiOptions(cmd)
    .option('--refine-window <frames>', 'after Viterbi, move each phone boundary to the largest spectral change within this many frames (0 = off)', nonNegativeInt, 2)
    .option('--refine-context <frames>', 'frames averaged on each side when measuring the spectral change', positiveInt, 2)
    .option('--no-state-accuracy', 'skip measuring the GMM frame-level state accuracy (saves scoring every pdf)')
    .option('--allow-feature-mismatch', ALLOW_FEATURE_MISMATCH_HELP)
    .option('--json', 'print the summary as JSON')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill align data/digits/train exp/feats/train data/lang/digits exp/mono exp/ali_train --jobs 2',
        'asr-distill align data/digits/dev exp/feats/dev data/lang/digits exp/mono exp/ali_dev --json',
      ),
    )
    .action(
      action(
        'align',
        async (
          dataDir: string,
          featsDir: string,
          langDir: string,
          modelDir: string,
          aliDir: string,
          o: ViterbiCliOptions & { overwrite?: boolean; refineWindow: number; refineContext: number; stateAccuracy: boolean; json?: boolean; allowFeatureMismatch?: boolean },
        ) => {
          // With --cmd slurm a rerun continues in the work directory a failed run left: finished Slurm jobs are not redone.
          const s = await withOutputDir(aliDir, { command: 'align', overwrite: o.overwrite, resumable: o.cmd === 'slurm' }, (work) => alignData(dataDir, featsDir, langDir, modelDir, work, {
            ...viterbiOptions(o, work, 'align'),
            stateAccuracy: o.stateAccuracy,
            allowFeatureMismatch: o.allowFeatureMismatch,
            refine: { windowFrames: o.refineWindow, contextFrames: o.refineContext },
            log: (l) => process.stderr.write(`align: ${l}\n`),
          }));
          if (o.json) {
            process.stdout.write(JSON.stringify({ aliDir, ...s }, null, 1) + '\n');
            return;
          }
          for (const f of s.failed) process.stderr.write(`align: failed ${f.uttId}: ${f.reason}\n`);
          process.stdout.write(
            `align: ${aliDir}: ${s.numUtts} utterances, ${s.numFrames} frames aligned, ${s.failed.length} failed${s.failed.length ? ` (see ${aliDir}/failed)` : ''}, ` +
              `${s.retried.length} needed the retry beam; avg log-likelihood per frame ${s.avgLogLike.toFixed(4)}` +
              (s.gmmStateAccuracy !== undefined ? `; GMM frame state accuracy ${(100 * s.gmmStateAccuracy).toFixed(2)}%` : '') +
              ` (${s.seconds.toFixed(1)} s)\n`,
          );
        },
      ),
    );
}

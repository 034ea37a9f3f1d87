import type { Command } from 'commander';
import { action, examples, finiteNumber, nonNegativeInt, positiveInt } from '../command.js';
import { alignData } from '../../hmm/align.js';

export const order = 41;

export function register(program: Command): void {
  program
    .command('align')
    .description(
      'Force-align a data directory with a trained GMM-HMM (Kaldi steps/align_si.sh): per-frame pdf and\n' +
        'phone ids in ALI_DIR (the DNN targets); utterances that fail are listed in ALI_DIR/failed',
    )
    .argument('<data-dir>', 'Kaldi data directory with text (transcripts)')
    .argument('<feats-dir>', 'features of that data directory')
    .argument('<lang-dir>', 'language directory (the one the model was trained with)')
    .argument('<model-dir>', 'GMM model directory (asr-distill train-mono)')
    .argument('<ali-dir>', 'output alignment directory')
    .option('--jobs <n>', 'parallel jobs (default: every core)', positiveInt)
    .option('--beam <b>', 'Viterbi beam (Kaldi --beam)', finiteNumber, 10)
    .option('--retry-beam <b>', 'beam of the second attempt (Kaldi --retry-beam)', finiteNumber, 40)
    .option('--sil-prob <p>', 'probability of the optional silence between words and at the edges', finiteNumber, 0.5)
    .option('--self-loop-scale <s>', 'scale on HMM self-loop log-probabilities in the alignment graph (Kaldi --self-loop-scale)', finiteNumber, 0.1)
    .option('--acoustic-scale <s>', 'scale on GMM log-likelihoods in Viterbi (Kaldi --acoustic-scale)', finiteNumber, 0.1)
    .option('--refine-window <frames>', 'after Viterbi, move each phone boundary to the largest spectral change within this many frames (0 = off)', nonNegativeInt, 2)
    .option('--refine-context <frames>', 'frames averaged on each side when measuring the spectral change', positiveInt, 2)
    .option('--no-state-accuracy', 'skip measuring the GMM frame-level state accuracy (saves scoring every pdf)')
    .option('--json', 'print the summary as JSON')
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
          o: { jobs?: number; beam: number; retryBeam: number; silProb: number; selfLoopScale: number; acousticScale: number; refineWindow: number; refineContext: number; stateAccuracy: boolean; json?: boolean },
        ) => {
          const s = await alignData(dataDir, featsDir, langDir, modelDir, aliDir, {
            jobs: o.jobs,
            beam: o.beam,
            retryBeam: o.retryBeam,
            acousticScale: o.acousticScale,
            graph: { silProb: o.silProb, selfLoopScale: o.selfLoopScale },
            stateAccuracy: o.stateAccuracy,
            refine: { windowFrames: o.refineWindow, contextFrames: o.refineContext },
            log: (l) => process.stderr.write(`align: ${l}\n`),
          });
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

import { InvalidArgumentError, type Command } from 'commander';
import { action, examples, nonNegativeInt, positiveInt, OVERWRITE_HELP } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { trainMono } from '../../hmm/train-mono.js';
import { addViterbiOptions, viterbiOptions, type ViterbiCliOptions } from '../viterbi-options.js';
import { defaultTopology } from '../../hmm/topology.js';

export const order = 40;

/** commander parser for a repeatable `DATA_DIR:FEATS_DIR` pair. */
function extraSet(value: string, previous: { dataDir: string; featsDir: string }[]): { dataDir: string; featsDir: string }[] {
  const k = value.lastIndexOf(':');
  if (k <= 0 || k === value.length - 1) throw new InvalidArgumentError(`expected DATA_DIR:FEATS_DIR, got '${value}'`);
  return [...previous, { dataDir: value.slice(0, k), featsDir: value.slice(k + 1) }];
}

export function register(program: Command): void {
  const cmd = program
    .command('train-mono')
    .description(
      'Train a monophone GMM-HMM from a flat start (Kaldi steps/train_mono.sh): equal alignment, then ' +
        're-align / re-estimate GMMs and transitions / split Gaussians; prints the average per-frame ' +
        'log-likelihood each iteration; utterances that cannot be used are listed in MODEL_DIR/failed',
    )
    .argument('<data-dir>', 'Kaldi data directory with text (transcripts)')
    .argument('<feats-dir>', 'features of that data directory (asr-distill features; cmvn.json from compute-cmvn)')
    .argument('<lang-dir>', 'language directory (asr-distill prepare-lang)')
    .argument('<model-dir>', 'output model directory')
    .option('--iters <n>', 'training iterations (Kaldi num_iters)', positiveInt, 40)
    .option('--total-gauss <n>', 'target number of Gaussians over all pdfs (Kaldi totgauss)', positiveInt, 1000);
  addViterbiOptions(cmd)
    .option('--nonsil-states <n>', 'HMM states per nonsilence phone', positiveInt, 3)
    .option('--sil-states <n>', 'HMM states per silence phone', positiveInt, 5)
    .option('--refine-window <frames>', 'after each realignment, move phone boundaries to the largest spectral change within this many frames before re-estimating (0 = off)', nonNegativeInt, 2)
    .option('--refine-context <frames>', 'frames averaged on each side when measuring the spectral change', positiveInt, 2)
    .option(
      '--extra <data-dir:feats-dir>',
      'train on this set too (repeatable), e.g. the varied-words set of make-corpus words; LANG_DIR must have its words (data/lang/digits-words)',
      extraSet,
      [],
    )
    .option('--seed <s>', 'seed of the Gaussian splitting', positiveInt, 1)
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill train-mono data/digits/train exp/feats/train data/lang/digits exp/mono',
        'asr-distill train-mono data/digits/train exp/feats/train data/lang/digits exp/mono --iters 30 --total-gauss 1000 --jobs 2',
        'asr-distill train-mono data/digits/train exp/feats/train data/lang/digits-words exp/mono --extra data/words/train:exp/feats/words',
      ),
    )
    .action(
      action(
        'train-mono',
        async (
          dataDir: string,
          featsDir: string,
          langDir: string,
          modelDir: string,
          o: ViterbiCliOptions & { overwrite?: boolean; iters: number; totalGauss: number; refineWindow: number; refineContext: number; nonsilStates: number; silStates: number; seed: number; extra: { dataDir: string; featsDir: string }[] },
        ) => {
          // With --cmd slurm a rerun continues in the work directory a failed run left: finished Slurm jobs are not redone.
          const res = await withOutputDir(modelDir, { command: 'train-mono', overwrite: o.overwrite, resumable: o.cmd === 'slurm' }, (work) => trainMono(dataDir, featsDir, langDir, work, {
            iters: o.iters,
            totalGauss: o.totalGauss,
            ...viterbiOptions(o, work, 'train-mono'),
            topology: defaultTopology({ nonsilenceStates: o.nonsilStates, silenceStates: o.silStates }),
            seed: o.seed,
            extra: o.extra,
            refineInTraining: { windowFrames: o.refineWindow, contextFrames: o.refineContext },
            log: (l) => process.stdout.write(`train-mono: ${l.replace(/^train-mono: /, '')}\n`),
          }));
          const last = res.iterations[res.iterations.length - 1];
          process.stdout.write(
            `train-mono: ${modelDir}: ${res.gmm.numPdfs} pdfs, ${last.numGauss} Gaussians, final avg log-likelihood per frame ${last.avgLogLike.toFixed(4)}; ` +
              `${res.failed.length} utterance(s) not used${res.failed.length ? ` (see ${modelDir}/failed)` : ''}\n`,
          );
        },
      ),
    );
}

import { InvalidArgumentError, type Command } from 'commander';
import { action, examples, finiteNumber, positiveInt, OVERWRITE_HELP } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { trainTri } from '../../hmm/train-tri.js';
import { addViterbiOptions, viterbiOptions, type ViterbiCliOptions } from '../viterbi-options.js';

export const order = 45;

/** commander parser for a repeatable `DATA_DIR:FEATS_DIR:ALI_DIR` triple. */
function extraSet(value: string, previous: { dataDir: string; featsDir: string; aliDir: string }[]): { dataDir: string; featsDir: string; aliDir: string }[] {
  const f = value.split(':');
  if (f.length !== 3 || f.some((x) => x === '')) throw new InvalidArgumentError(`expected DATA_DIR:FEATS_DIR:ALI_DIR, got '${value}'`);
  return [...previous, { dataDir: f[0], featsDir: f[1], aliDir: f[2] }];
}

export function register(program: Command): void {
  const cmd = program
    .command('train-tri')
    .description(
      'Train a triphone GMM-HMM from an alignment (Kaldi steps/train_deltas.sh): tree statistics per ' +
        '(left, phone, right, state), questions from clustering the phones, a decision tree grown by ' +
        'likelihood gain, tied-state GMMs re-estimated with realignment and Gaussian splitting; prints ' +
        'the average per-frame log-likelihood each iteration. EXP is a model directory for align, plus ' +
        'EXP/tree (show-tree prints it)',
    )
    .argument('<data-dir>', 'Kaldi data directory with text (transcripts)')
    .argument('<feats-dir>', 'its features (the ones the alignment was made from)')
    .argument('<lang-dir>', 'language directory (optional extra_questions.txt: one question per line, phone names)')
    .argument('<ali-dir>', 'alignment of DATA_DIR (asr-distill align with a monophone or triphone model)')
    .argument('<exp-dir>', 'output model directory');
  addViterbiOptions(cmd)
    .requiredOption('--num-leaves <n>', 'number of tied states the tree may have (Kaldi numleaves)', positiveInt)
    .requiredOption('--num-gauss <n>', 'target number of Gaussians over all tied states (Kaldi totgauss)', positiveInt)
    .option('--iters <n>', 'training iterations (Kaldi num_iters)', positiveInt, 35)
    .option('--thresh <g>', 'smallest log-likelihood gain of a tree split (Kaldi build-tree --thresh)', finiteNumber, 300)
    .option('--min-leaf-count <frames>', 'frames a tree leaf needs at least', finiteNumber, 20)
    .option('--cluster-thresh <g>', 'tie leaves of one phone state whose merge loses less than this; -1: the smallest split gain (Kaldi --cluster-thresh)', finiteNumber, -1)
    .option('--context-dependent-silence', 'let the tree ask about the context of silence phones too (default: context-independent, Kaldi --ci-phones)')
    .option('--seed <s>', 'seed of the Gaussian splitting', positiveInt, 1)
    .option(
      '--extra <data-dir:feats-dir:ali-dir>',
      'another training set with its features and its alignment by the same model (repeatable), e.g. the varied-words set: more contexts for the tree; LANG_DIR must have its words',
      extraSet,
      [],
    )
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill train-tri data/digits/train exp/feats/train data/lang/digits exp/mono_ali exp/tri1 --num-leaves 300 --num-gauss 3000',
        'asr-distill show-tree exp/tri1',
        'asr-distill align data/digits/train exp/feats/train data/lang/digits exp/tri1 exp/tri1_ali',
      ),
    )
    .action(
      action(
        'train-tri',
        async (
          dataDir: string,
          featsDir: string,
          langDir: string,
          aliDir: string,
          expDir: string,
          o: ViterbiCliOptions & {
            overwrite?: boolean;
            numLeaves: number;
            numGauss: number;
            iters: number;
            thresh: number;
            minLeafCount: number;
            clusterThresh: number;
            contextDependentSilence?: boolean;
            seed: number;
            extra: { dataDir: string; featsDir: string; aliDir: string }[];
          },
        ) => {
          const res = await withOutputDir(expDir, { command: 'train-tri', overwrite: o.overwrite, resumable: o.cmd === 'slurm' }, (work) =>
            trainTri(dataDir, featsDir, langDir, aliDir, work, {
              numLeaves: o.numLeaves,
              totalGauss: o.numGauss,
              iters: o.iters,
              tree: { thresh: o.thresh, minLeafCount: o.minLeafCount, clusterThresh: o.clusterThresh },
              contextDependentSilence: o.contextDependentSilence,
              ...(o.extra.length ? { extra: o.extra } : {}),
              ...viterbiOptions(o, work, 'train-tri'),
              seed: o.seed,
              log: (l) => process.stdout.write(`train-tri: ${l.replace(/^train-tri: /, '')}\n`),
            }),
          );
          const last = res.iterations[res.iterations.length - 1];
          process.stdout.write(
            `train-tri: ${expDir}: ${res.numLeaves} tied states, ${last.numGauss} Gaussians, final avg log-likelihood per frame ${last.avgLogLike.toFixed(4)}; ` +
              `${res.failed.length} utterance(s) not used${res.failed.length ? ` (see ${expDir}/failed)` : ''}\n`,
          );
        },
      ),
    );
}

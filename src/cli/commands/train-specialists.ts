import type { Command } from 'commander';
import { action, examples, finiteNumber, nonNegativeInt, oneOf, OVERWRITE_HELP, positiveInt } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { BACKEND_HELP, BACKEND_NAMES, type BackendName } from '../../nnet/backend-name.js';
import { SPECIALIST_DEFAULTS, trainSpecialists } from '../../nnet/specialists-train.js';
import { CLUSTER_MATRICES, type ClusterMatrix } from '../../nnet/specialists.js';
import { summarizeHistory } from '../../nnet/train-worker.js';
import { ALLOW_FEATURE_MISMATCH_HELP } from '../feature-options.js';
import { InputError } from '../../errors.js';
import { DEFAULT_HARD_WEIGHT } from '../../nnet/distill-loss.js';
import { parseDevDirs, positiveNumber } from './train.js';

export const order = 58;

interface TrainSpecialistsCliOptions {
  num: number;
  cover: number;
  clusterSize?: number;
  clusterMatrix: ClusterMatrix;
  clusterOn: { featsDir: string; aliDir: string };
  clusterWith?: string;
  epochs: number;
  lr: number;
  optimizer: 'sgd' | 'adam';
  momentum: number;
  batch: number;
  seed: number;
  maxClusterFrames: number;
  earlyStopping: boolean;
  teacher?: string;
  temperature?: number;
  hardWeight?: number;
  backend: BackendName;
  allowFeatureMismatch?: boolean;
  overwrite?: boolean;
}

export function register(program: Command): void {
  program
    .command('train-specialists')
    .description(
      "Specialist models (Hinton et al. 2015, sec. 5): cluster the pdfs by the covariance of the generalist's (or an ensemble's) predictions on held-out frames, " +
        "then train one specialist per cluster from the generalist's weights on its pdfs plus a dustbin class, half of its frames from its cluster; score with eval-specialists",
    )
    .argument('<generalist>', 'the generalist: a single DNN model directory')
    .argument('<feats-dir>', 'training features (the generalist\'s)')
    .argument('<ali-dir>', 'their alignments')
    .argument('<out-dir>', 'output: specialists.json + spec-NN/ (one network each)')
    .requiredOption('--num <K>', 'clusters (specialists) per clustering', positiveInt)
    .requiredOption('--cluster-on <feats,ali>', 'held-out frames whose predictions are clustered, also scored each epoch: FEATS_DIR,ALI_DIR', parseDevDirs)
    .option('--cover <N>', 'k-means runs with N seeds: each pdf covered by up to N specialists (identical clusters trained once)', positiveInt, SPECIALIST_DEFAULTS.cover)
    .option(
      '--cluster-size <S>',
      'overlapping clusters: each k-means centre takes the S pdfs nearest to it (of those with frames in the --cluster-on alignment), so a pdf is covered by 0 to K x N specialists (Table 4 over coverage); default: a partition of all pdfs per clustering',
      positiveInt,
    )
    .option(
      '--cluster-matrix <m>',
      "k-means on the columns of the predictions' covariance (the paper's) or correlation (balanced clusters on speech states, where the covariance isolates the frequent ones)",
      oneOf(...CLUSTER_MATRICES),
      SPECIALIST_DEFAULTS.clusterMatrix,
    )
    .option('--cluster-with <model>', 'cluster the predictions of this model or ensemble instead of the generalist\'s')
    .option('--epochs <n>', 'epochs per specialist', positiveInt, SPECIALIST_DEFAULTS.epochs)
    .option('--lr <rate>', 'learning rate', positiveNumber, SPECIALIST_DEFAULTS.learningRate)
    .option('--optimizer <name>', 'sgd (with momentum) or adam', oneOf('sgd', 'adam'), SPECIALIST_DEFAULTS.optimizer)
    .option('--momentum <m>', 'SGD momentum', finiteNumber, 0.9)
    .option('--batch <frames>', 'minibatch size in frames', positiveInt, SPECIALIST_DEFAULTS.batchSize)
    .option('--seed <s>', 'random seed (k-means, the dustbin frames, shuffling)', nonNegativeInt, 1)
    .option('--teacher <model>', "train each specialist on this model's or ensemble's soft targets, summed onto its pdfs and dustbin, with distill's loss (sec. 6: soft targets against overfitting); default: the hard labels alone")
    .option('--temperature <T>', 'with --teacher: temperature of the soft targets, as distill --temperature', positiveNumber)
    .option('--hard-weight <W>', `with --teacher: weight of the hard-label cross-entropy, as distill --hard-weight (default ${DEFAULT_HARD_WEIGHT})`, finiteNumber)
    .option('--no-early-stopping', "keep the last epoch (default: the epoch, the generalist's starting weights included, of the lowest loss on the --cluster-on frames)")
    .option('--max-cluster-frames <n>', 'held-out frames used for the covariance at most', positiveInt, SPECIALIST_DEFAULTS.maxClusterFrames)
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), 'auto')
    .option('--allow-feature-mismatch', ALLOW_FEATURE_MISMATCH_HELP)
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill train-specialists exp/digits/baseline exp/digits/feats/train exp/digits/ali_train exp/digits/specialists --num 8 --cluster-on exp/digits/feats/dev,exp/digits/ali_dev',
        'asr-distill train-specialists exp/dnn feats/train exp/ali_train exp/spec --num 8 --cover 3 --cluster-on feats/dev,exp/ali_dev --cluster-with exp/ensemble',
        'asr-distill train-specialists exp/dnn feats/train exp/ali_train exp/spec-overlap --num 16 --cluster-size 35 --cluster-on feats/dev,exp/ali_dev',
        'asr-distill train-specialists exp/dnn feats/train exp/ali_train exp/spec-soft --num 8 --cluster-on feats/dev,exp/ali_dev --teacher exp/ensemble --temperature 2',
      ),
    )
    .action(
      action('train-specialists', async (generalistDir: string, featsDir: string, aliDir: string, outDir: string, o: TrainSpecialistsCliOptions) => {
        if (!o.teacher && (o.temperature !== undefined || o.hardWeight !== undefined)) throw new InputError('--temperature and --hard-weight set the soft targets of --teacher; give --teacher MODEL too');
        if (o.teacher && o.temperature === undefined) throw new InputError('--teacher needs --temperature T (as distill; the paper tried 1, 2, 5, 10)');
        const m = await withOutputDir(outDir, { command: 'train-specialists', overwrite: o.overwrite }, (work) =>
          trainSpecialists({
            generalistDir,
            featsDir,
            aliDir,
            outDir: work,
            clusterOn: o.clusterOn,
            clusterWithDir: o.clusterWith,
            numClusters: o.num,
            cover: o.cover,
            clusterSize: o.clusterSize,
            clusterMatrix: o.clusterMatrix,
            epochs: o.epochs,
            learningRate: o.lr,
            optimizer: o.optimizer,
            momentum: o.momentum,
            batchSize: o.batch,
            seed: o.seed,
            maxClusterFrames: o.maxClusterFrames,
            earlyStopping: o.earlyStopping,
            softTargets: o.teacher ? { teacherDir: o.teacher, temperature: o.temperature!, hardWeight: o.hardWeight } : undefined,
            backend: o.backend,
            allowFeatureMismatch: o.allowFeatureMismatch,
          }),
        );
        const lines = m.specialists.map((s) => `  ${s.dir}: pdfs ${s.pdfs.join(',')}; ${s.trainFrames.inside} + ${s.trainFrames.keptOutside} frames, dustbin shift ${s.dustbinShift.toFixed(3)}; kept epoch ${s.keptEpoch} (0 = the start); ${summarizeHistory(s.history)}`);
        const targets = m.softTargets ? `; soft targets of ${m.softTargets.teacher} at T = ${m.softTargets.temperature}, hard-label weight ${m.softTargets.hardWeight}` : '';
        const overlap = m.clusterSize !== undefined ? `, each centre's ${m.clusterSize} nearest of ${m.clusterPdfs} pdfs with held-out frames` : '';
        const coverage = m.pdfsByCoverage ? `\n  pdfs with held-out frames by the number of specialists covering them: ${m.pdfsByCoverage.map((n, c) => `${c}: ${n}`).join(', ')}` : '';
        process.stdout.write(`${outDir}: ${m.specialists.length} specialists (${m.cover} clustering(s) of ${m.numClusters}${overlap}, on ${m.clusterFrames} frames${targets})${coverage}\n${lines.join('\n')}\n`);
      }),
    );
}

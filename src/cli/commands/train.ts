import { InvalidArgumentError, type Command } from 'commander';
import { action, examples, finiteNumber, oneOf, OVERWRITE_HELP, positiveInt, nonNegativeInt } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { InputError, isInputError } from '../../errors.js';
import { parseArch, describeArch, type ArchConfig } from '../../nnet/arch.js';
import { DEFAULT_CONTEXT, parseContext, formatContext, type SpliceContext } from '../../nnet/splice.js';
import { BACKEND_HELP, BACKEND_NAMES, DEFAULT_BACKEND, type BackendName } from '../../nnet/backend-name.js';
import { DEFAULT_NEWBOB } from '../../nnet/newbob.js';
import { DEFAULT_LEARNING_RATE, DEFAULT_MOMENTUM } from '../../nnet/optimizer-state.js';
import { trainDnnDir, TRAIN_DEFAULTS, type DevSpec, type TrainSettings } from '../../nnet/train-worker.js';
import { DEFAULT_MAX_MEMORY_FRAMES } from '../../nnet/frame-stream.js';
import { ALLOW_FEATURE_MISMATCH_HELP } from '../feature-options.js';

export const order = 50;

/** Turn a library parser's InputError into a usage error (exit 2). */
export function usageParser<T>(parse: (v: string) => T): (v: string) => T {
  return (v: string) => {
    try {
      return parse(v);
    } catch (e) {
      if (isInputError(e)) throw new InvalidArgumentError(e.message);
      throw e;
    }
  };
}

/** `--dev FEATS_DIR,ALI_DIR`. */
export function parseDevDirs(v: string): DevSpec {
  const parts = v.split(',');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new InvalidArgumentError(`expected FEATS_DIR,ALI_DIR (e.g. feats/dev,exp/ali_dev), got '${v}'`);
  return { featsDir: parts[0], aliDir: parts[1] };
}

/** `--dev-split F`: a fraction in (0, 1). */
export function parseFraction(v: string): number {
  const n = finiteNumber(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`expected a fraction between 0 and 1, got '${v}'`);
  return n;
}

/** Positive real (learning rate, temperature). */
export function positiveNumber(v: string): number {
  const n = finiteNumber(v);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, got '${v}'`);
  return n;
}

/** Real >= 0 (`--input-noise`, where 0 means off). */
export function nonNegativeNumber(v: string): number {
  const n = finiteNumber(v);
  if (!(n >= 0)) throw new InvalidArgumentError(`expected a number >= 0, got '${v}'`);
  return n;
}

/** `--input-noise R` for the commands that train on hard labels (train, ensemble). */
export function addInputNoiseOption(cmd: Command): Command {
  return cmd.option(
    '--input-noise <R>',
    "Gaussian noise on every training input, R x each feature dimension's std, fresh each epoch (default 0 = none; the same perturbation as distill --transfer-noise)",
    nonNegativeNumber,
  );
}

/**
 * `--newbob-gains HALVE:STOP`: held-out accuracy gains (fractions) below which newbob starts
 * halving the rate, and below which, once halving, it stops (Kaldi train_scheduler.sh
 * start_halving_impr / end_halving_impr, on accuracy).
 */
export function parseNewbobGains(v: string): { halveWhenGainBelow: number; stopWhenGainBelow: number } {
  const m = /^([^:]+):([^:]+)$/.exec(v);
  const halve = m ? Number(m[1]) : NaN;
  const stop = m ? Number(m[2]) : NaN;
  if (!(Number.isFinite(halve) && Number.isFinite(stop) && halve >= 0 && stop <= halve)) {
    throw new InvalidArgumentError(`expected HALVE:STOP accuracy gains with 0 <= HALVE and STOP <= HALVE (e.g. ${DEFAULT_NEWBOB.halveWhenGainBelow}:${DEFAULT_NEWBOB.stopWhenGainBelow}), got '${v}'`);
  }
  return { halveWhenGainBelow: halve, stopWhenGainBelow: stop };
}

/** `--average-decay D`: a decay per step strictly between 0 and 1. */
export function parseAverageDecay(v: string): number {
  const n = finiteNumber(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`expected a decay between 0 and 1 (e.g. 0.999), got '${v}'`);
  return n;
}

/** Options shared by train, ensemble and distill. */
export interface TrainingCliOptions {
  context?: SpliceContext;
  dev?: DevSpec;
  devSplit?: number;
  epochs: number;
  lr?: number;
  momentum: number;
  batch: number;
  optimizer: 'sgd' | 'adam';
  seed: number;
  backend: BackendName;
  newbob: boolean;
  newbobGains?: { halveWhenGainBelow: number; stopWhenGainBelow: number };
  newbobReject?: boolean;
  newbobMinEpochs?: number;
  normVars?: boolean;
  inputNoise?: number;
  averageDecay?: number;
  resume?: boolean;
  overwrite?: boolean;
  allowFeatureMismatch?: boolean;
  maxMemoryFrames?: number;
}

/** Add the training options (context, dev set, epochs, rate, batch, optimizer, seed, backend). */
export function addTrainingOptions(cmd: Command, opts: { contextDefault?: boolean } = {}): Command {
  const ctx = opts.contextDefault ?? true;
  return cmd
    .option('--context <L:R>', `frames of left:right context, or the preset paper-2015 = 20:5 (default: ${ctx ? formatContext(DEFAULT_CONTEXT) : "the teacher's"})`, usageParser(parseContext))
    .option('--dev <feats,ali>', 'held-out set scored every epoch: FEATS_DIR,ALI_DIR', parseDevDirs)
    .option('--dev-split <fraction>', 'hold out this fraction of the training utterances instead of --dev', parseFraction)
    .option('--epochs <n>', 'maximum number of epochs', positiveInt, TRAIN_DEFAULTS.epochs)
    .option('--lr <rate>', `learning rate (default ${DEFAULT_LEARNING_RATE.sgd} for sgd, ${DEFAULT_LEARNING_RATE.adam} for adam)`, positiveNumber)
    .option('--momentum <m>', 'SGD momentum', finiteNumber, DEFAULT_MOMENTUM)
    .option('--batch <frames>', 'minibatch size in frames', positiveInt, TRAIN_DEFAULTS.batchSize)
    .option('--optimizer <name>', 'sgd (with momentum) or adam', oneOf('sgd', 'adam'), TRAIN_DEFAULTS.optimizer)
    .option('--seed <s>', 'random seed (initialisation, shuffling, dropout)', nonNegativeInt, TRAIN_DEFAULTS.seed)
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), DEFAULT_BACKEND)
    .option('--no-newbob', 'keep the learning rate fixed (default with a held-out set: halve when accuracy stops improving, then stop)')
    .option(
      '--newbob-gains <halve:stop>',
      `held-out accuracy gains per epoch below which newbob starts halving the rate, and then stops (default ${DEFAULT_NEWBOB.halveWhenGainBelow}:${DEFAULT_NEWBOB.stopWhenGainBelow})`,
      parseNewbobGains,
    )
    .option('--newbob-reject', 'reject an epoch that lowers held-out accuracy: go on from the previous weights and keep the best (Kaldi nnet1 train_scheduler.sh)')
    .option('--newbob-min-epochs <n>', 'newbob does not stop before this many epochs: a stall after halving keeps the rate and training goes on (Kaldi train_scheduler.sh --min-iters)', positiveInt)
    .option(
      '--average-decay <D>',
      'keep an exponential moving average of the weights, decay D per minibatch (e.g. 0.999), and score, schedule and save it instead of the last weights (Polyak averaging)',
      parseAverageDecay,
    )
    .option('--norm-vars', 'CMVN also normalises variances (Kaldi apply-cmvn --norm-vars)')
    .option(
      '--max-memory-frames <n>',
      `training frames held in memory at most (default ${DEFAULT_MAX_MEMORY_FRAMES}: 640 MB at 40 dims); a bigger corpus is streamed shard by shard with a shuffle window (docs/models.md)`,
      positiveInt,
    )
    .option('--resume', 'continue an interrupted run from its last checkpoint')
    .option('--allow-feature-mismatch', ALLOW_FEATURE_MISMATCH_HELP)
    .option('--overwrite', OVERWRITE_HELP);
}

/** TrainSettings from the parsed CLI options. */
export function trainSettingsFrom(o: TrainingCliOptions, context: SpliceContext): TrainSettings {
  if (o.dev && o.devSplit !== undefined) throw new InputError('give either --dev or --dev-split, not both');
  const dev: DevSpec | undefined = o.dev ?? (o.devSplit !== undefined ? { split: o.devSplit } : undefined);
  return {
    context,
    epochs: o.epochs,
    batchSize: o.batch,
    learningRate: o.lr ?? DEFAULT_LEARNING_RATE[o.optimizer],
    optimizer: o.optimizer,
    momentum: o.momentum,
    newbob:
      dev && o.newbob
        ? {
            ...DEFAULT_NEWBOB,
            ...o.newbobGains,
            // Only when asked: absent fields keep older checkpoints' fingerprints.
            ...(o.newbobReject ? { rejectWorse: true } : {}),
            ...(o.newbobMinEpochs !== undefined ? { minEpochs: o.newbobMinEpochs } : {}),
          }
        : undefined,
    backend: o.backend,
    dev,
    normVars: o.normVars ?? false,
    ...(o.inputNoise ? { inputNoise: o.inputNoise } : {}),
    ...(o.averageDecay !== undefined ? { averageDecay: o.averageDecay } : {}),
    ...(o.allowFeatureMismatch ? { allowFeatureMismatch: true } : {}),
    ...(o.maxMemoryFrames !== undefined ? { maxMemoryFrames: o.maxMemoryFrames } : {}),
  };
}

interface TrainCliOptions extends TrainingCliOptions {
  arch: ArchConfig;
}

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('Train a DNN frame classifier over the HMM states (pdfs) of ALI_DIR on spliced, CMVN-normalised features (Hinton et al. 2015, sec. 4)')
    .argument('<feats-dir>', 'training features (asr-distill features; cmvn.json from compute-cmvn)')
    .argument('<ali-dir>', 'frame alignments of the same utterances (from align)')
    .argument('<model-dir>', 'output: TF.js model + asr-distill.json (priors, context, features) + transition model and lang copies')
    .requiredOption('--arch <config>', 'architecture: LxW shorthand (4x1024), a preset (tiny, small, medium, large, paper-2015), inline JSON or a JSON file', usageParser(parseArch));
  addInputNoiseOption(addTrainingOptions(cmd))
    .addHelpText(
      'after',
      examples(
        'asr-distill train feats/train exp/ali_train exp/dnn --arch 4x1024 --dev feats/dev,exp/ali_dev',
        'asr-distill train feats/train exp/ali_train exp/dnn --arch paper-2015 --context paper-2015 --optimizer adam --epochs 20',
        'asr-distill train feats/train exp/ali_train exp/dnn --arch arch.json --dev-split 0.1 --resume',
      ),
    )
    .action(
      action('train', async (featsDir: string, aliDir: string, modelDir: string, o: TrainCliOptions) => {
        const settings = trainSettingsFrom(o, o.context ?? { ...DEFAULT_CONTEXT });
        process.stderr.write(`train: ${describeArch(o.arch)}, context ${formatContext(settings.context)}, ${settings.optimizer} lr ${settings.learningRate}, batch ${settings.batchSize}, up to ${settings.epochs} epochs\n`);
        // The work directory of a failed or killed run is kept for --resume (its checkpoint).
        const r = await withOutputDir(modelDir, { command: 'train', overwrite: o.overwrite, resumable: true, continueEarlier: o.resume }, (work) =>
          trainDnnDir({
            featsDir,
            aliDir,
            outDir: work,
            arch: o.arch,
            seed: o.seed,
            settings,
            resume: o.resume ?? false,
            label: 'train',
            ownProgress: true,
          }),
        );
        if (r.skipped > 0) process.stderr.write(`train: ${r.skipped} utterance(s) skipped (no alignment or frame-count mismatch)\n`);
        process.stdout.write(`${modelDir}: ${r.summary} (backend ${r.backend})\n`);
      }),
    );
}

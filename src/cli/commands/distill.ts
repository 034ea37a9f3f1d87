import { Option, type Command } from 'commander';
import { action, examples, finiteNumber, nonNegativeInt, oneOf } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { parseArch, describeArch, type ArchConfig } from '../../nnet/arch.js';
import { distill } from '../../nnet/distill.js';
import { DEFAULT_SOFT_TARGETS, formatSoftTargets, parseSoftTargets, type SoftTargetMode } from '../../nnet/targets.js';
import { DEFAULT_DISTILL_LOSS, DEFAULT_HARD_WEIGHT, defaultHardWeight } from '../../nnet/distill-loss.js';
import { applyDistillSetup, parseDistillSetup, type DistillSetupName } from '../../nnet/distill-setup.js';
import { addTrainingOptions, positiveNumber, trainSettingsFrom, usageParser, type TrainingCliOptions } from './train.js';

export const order = 52;

interface DistillCliOptions extends TrainingCliOptions {
  arch: ArchConfig;
  temperature: number;
  hardWeight?: number;
  softTargets: SoftTargetMode;
  loss: 'soft-ce' | 'logit-mse';
  cache?: string;
  transferNoise?: number;
  transferExtra: string[];
  teacherJobs?: number;
  transferNoiseFrames?: number;
  transferWarp?: number;
  transferMixup?: number;
  initFrom?: string;
  setup?: DistillSetupName;
}

export function register(program: Command): void {
  const cmd = program
    .command('distill')
    .description(
      "Distill TEACHER (a model or an ensemble) into a student DNN: soft targets at temperature T (member softmax(z/T) combined by the ensemble's rule) " +
        'plus W x the hard-label cross-entropy (Hinton et al. 2015, sec. 2 and 4)',
    )
    .argument('<feats-dir>', 'transfer set features')
    .argument('<ali-dir>', "its alignments, or '-' for an unlabeled transfer set (needs --hard-weight 0)")
    .argument('<teacher>', 'model directory or ensemble directory')
    .argument('<student-dir>', 'output model directory')
    .requiredOption('--arch <config>', 'student architecture (LxW, preset, JSON)', usageParser(parseArch))
    .requiredOption('--temperature <T>', 'softmax temperature of the soft targets (the paper tried 1, 2, 5, 10)', positiveNumber)
    .option('--hard-weight <W>', `weight of the hard-label cross-entropy (default ${DEFAULT_HARD_WEIGHT} as in the paper; 0 with ALI_DIR '-')`, finiteNumber)
    .addOption(
      new Option('--soft-targets <mode>', 'full, or top-k:K (keep the K most probable pdfs per frame, renormalised)')
        .argParser(usageParser(parseSoftTargets))
        .default(DEFAULT_SOFT_TARGETS, formatSoftTargets(DEFAULT_SOFT_TARGETS)),
    )
    .option('--loss <kind>', 'soft-ce: T^2 CE(teacher_T, student_T) + W CE; logit-mse: Caruana-style logit matching + W CE', oneOf('soft-ce', 'logit-mse'), DEFAULT_DISTILL_LOSS)
    .option('--cache <file>', 'with top-k: keep the teacher targets in this Arrow file (reused when T and teacher match); a directory of per-shard files when the transfer set is streamed')
    .option(
      '--transfer-noise <R>',
      "add Gaussian noise of R x each feature's standard deviation to every transfer frame, fresh each epoch, and compute the " +
        "teacher's targets on the noisy frames (the student learns the teacher's function around the training frames); 0 = off, as in the paper",
      finiteNumber,
    )
    .option('--transfer-noise-frames <P>', 'with --transfer-noise: the fraction of transfer frames perturbed each epoch (default 1; the rest stay clean)', finiteNumber)
    .option(
      '--transfer-warp <R>',
      'warp the frequency axis of every transfer frame by a factor from [1-R, 1+R] (vocal tract length perturbation; 0.1 = ' +
        "VTLP's 0.9..1.1), fresh each epoch, and compute the teacher's targets on the warped frames (the student learns how the " +
        'teacher treats other voices); 0 = off',
      finiteNumber,
    )
    .option(
      '--transfer-mixup <L>',
      "mix every transfer frame with another frame of its batch, weight up to L (<= 0.5: the frame's own label stays dominant), " +
        "fresh each epoch, and compute the teacher's targets on the mix; 0 = off",
      finiteNumber,
    )
    .option(
      '--transfer-extra <feats-dir>',
      'unlabeled features added to the transfer set (repeatable): the student learns the teacher\'s soft targets on them, ' +
        'with no hard-label term (sec. 2: the transfer set may be unlabeled data). Same features and CMVN as FEATS_DIR',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--setup <name>',
      "paper: Hinton et al. 2015 sec. 4 as published (soft targets at T on the training frames as they are plus the hard labels, " +
        'weight 0.5 unless --hard-weight; refuses --transfer-noise/-warp/-mixup/-extra and --init-from); recorded in the model',
      usageParser(parseDistillSetup),
    )
    .option('--init-from <model-dir>', "start the student from this model's weights (e.g. the baseline) instead of a random init; same shape required")
    .option(
      '--teacher-jobs <N>',
      "worker threads for the teacher's forward passes: they share the one pass over the transfer set with this thread, or, with --transfer-noise, " +
        "--transfer-warp or --transfer-mixup, compute the next batches' targets while the student trains (default: cores - 1; 0 = in this thread). " +
        'The student is the same either way',
      nonNegativeInt,
    );
  addTrainingOptions(cmd, { contextDefault: false })
    .addHelpText(
      'after',
      examples(
        'asr-distill distill feats/train exp/ali_train exp/ens exp/student --arch 4x1024 --temperature 2 --hard-weight 0.5',
        'asr-distill distill feats/train exp/ali_train exp/ens exp/student --arch 2x512 --temperature 5 --soft-targets top-k:20 --cache exp/ens/soft-T5.arrow',
        'asr-distill distill feats/unlabeled - exp/ens exp/student --arch 4x1024 --temperature 2 --hard-weight 0',
        'asr-distill distill feats/train exp/ali_train exp/ens exp/student-paper --arch 4x1024 --temperature 2 --setup paper',
        'asr-distill distill feats/train exp/ali_train exp/ens exp/student --arch 4x1024 --temperature 2 --transfer-noise 0.5',
        'asr-distill distill feats/train exp/ali_train exp/ens exp/student --arch 4x1024 --temperature 2 --transfer-extra feats/untranscribed',
      ),
    )
    .action(
      action('distill', async (featsDir: string, aliArg: string, teacherDir: string, studentDir: string, o: DistillCliOptions) => {
        const aliDir = aliArg === '-' ? null : aliArg;
        if (o.setup) Object.assign(o, applyDistillSetup(o.setup, o));
        const hardWeight = o.hardWeight ?? defaultHardWeight(aliDir !== null);
        const settings = trainSettingsFrom(o, o.context ?? { left: 0, right: 0 });
        process.stderr.write(`distill: student ${describeArch(o.arch)}, T ${o.temperature}, hard weight ${hardWeight}, ${o.loss}${o.setup ? `, setup ${o.setup}` : ''}${o.transferNoise ? `, transfer noise ${o.transferNoise}` : ''}${o.transferWarp ? `, transfer warp ${o.transferWarp}` : ''}${o.transferMixup ? `, transfer mixup ${o.transferMixup}` : ''}${o.transferExtra.length ? `, + unlabeled ${o.transferExtra.join(' ')}` : ''}\n`);
        // The work directory of a failed or killed run is kept for --resume (its checkpoint).
        const r = await withOutputDir(studentDir, { command: 'distill', overwrite: o.overwrite, resumable: true, continueEarlier: o.resume }, (work) =>
          distill({
            featsDir,
            aliDir,
            teacherDir,
            studentDir: work,
            arch: o.arch,
            temperature: o.temperature,
            hardWeight,
            softTargets: o.softTargets,
            loss: o.loss,
            cache: o.cache,
            transferNoise: o.transferNoise,
            transferNoiseFrames: o.transferNoiseFrames,
            transferWarp: o.transferWarp,
            transferMixup: o.transferMixup,
            transferExtra: o.transferExtra,
            teacherJobs: o.teacherJobs,
            initFrom: o.initFrom,
            setup: o.setup,
            settings: { ...settings, context: o.context },
            seed: o.seed,
            resume: o.resume ?? false,
          }),
        );
        if (r.cacheUsed) process.stderr.write(`distill: teacher targets read from ${o.cache}\n`);
        process.stdout.write(`${studentDir}: ${r.summary}\n`);
      }),
    );
}

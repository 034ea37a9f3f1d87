import type { Command } from 'commander';
import * as path from 'node:path';
import { action, examples, oneOf, positiveInt } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { parseArch, describeArch, type ArchConfig } from '../../nnet/arch.js';
import { DEFAULT_CONTEXT } from '../../nnet/splice.js';
import { trainEnsemble, DEFAULT_COMBINE } from '../../nnet/ensemble.js';
import type { CombineRule } from '../../nnet/posteriors.js';
import { defaultJobs } from '../../jobs/runner.js';
import { jobBackend, jobCmdOptions, jobsOption, type JobCmdOptions } from '../job-options.js';
import { addInputNoiseOption, addTrainingOptions, trainSettingsFrom, usageParser, type TrainingCliOptions } from './train.js';

export const order = 51;

interface EnsembleCliOptions extends TrainingCliOptions, JobCmdOptions {
  members: number;
  arch: ArchConfig[];
  jobs?: number;
  combine: CombineRule;
}

export function register(program: Command): void {
  const cmd = program
    .command('ensemble')
    .description(
      'Train an ensemble of DNNs differing by seed (and by architecture when several --arch are given), J at a time in worker threads; ' +
        're-running the same command resumes the unfinished members only',
    )
    .argument('<feats-dir>', 'training features')
    .argument('<ali-dir>', 'frame alignments')
    .argument('<ens-dir>', 'output: ensemble.json + member-01/, member-02/, ... (each a model directory)')
    .requiredOption('--members <n>', 'number of members', positiveInt)
    .requiredOption(
      '--arch <config>',
      'member architecture (LxW, preset, JSON); repeat to cycle members through several',
      usageParser((v: string, prev?: ArchConfig[]) => [...(prev ?? []), parseArch(v)]) as (v: string, prev: ArchConfig[]) => ArchConfig[],
    )
    .addOption(jobsOption('members trained at the same time, one worker thread each'))
    .addOption(jobCmdOptions()[0])
    .addOption(jobCmdOptions()[1])
    .option('--combine <rule>', 'arithmetic: mean of member posteriors (the paper); geometric: normalised product', oneOf('arithmetic', 'geometric'), DEFAULT_COMBINE);
  addInputNoiseOption(addTrainingOptions(cmd))
    .addHelpText(
      'after',
      examples(
        'asr-distill ensemble feats/train exp/ali_train exp/ens --members 10 --arch 4x1024 --jobs 2 --dev feats/dev,exp/ali_dev',
        'asr-distill ensemble feats/train exp/ali_train exp/ens --members 4 --arch 4x1024 --arch 2x2048 --combine geometric',
        '# after an interruption, the same command trains only the unfinished members',
      ),
    )
    .action(
      action('ensemble', async (featsDir: string, aliDir: string, ensDir: string, o: EnsembleCliOptions) => {
        const settings = trainSettingsFrom(o, o.context ?? { ...DEFAULT_CONTEXT });
        const jobs = o.jobs ?? defaultJobs();
        process.stderr.write(`ensemble: ${o.members} members (${o.arch.map((a) => describeArch(a)).join(' | ')}), ${jobs} at a time\n`);
        // A rerun continues from the earlier output and from a killed run's work (finished members are skipped).
        const r = await withOutputDir(ensDir, { command: 'ensemble', overwrite: o.overwrite, resumable: true, continueEarlier: true }, (work) =>
          trainEnsemble({
            featsDir,
            aliDir,
            ensDir: work,
            numMembers: o.members,
            archs: o.arch,
            combine: o.combine,
            baseSeed: o.seed,
            jobs,
            runner: jobBackend(o, path.join(work, 'log'), 'ensemble'),
            settings,
          }),
        );
        if (r.skipped.length) process.stderr.write(`ensemble: ${r.skipped.length} member(s) already complete: ${r.skipped.join(' ')}\n`);
        for (const m of r.members) if (m.result) process.stdout.write(`${m.dir}: ${m.result.summary}\n`);
        process.stdout.write(`${ensDir}: ensemble of ${r.manifest!.members.length} (${r.manifest!.combine})\n`);
      }),
    );
}

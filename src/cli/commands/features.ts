import type { Command } from 'commander';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { action, examples, nonNegativeInt, OVERWRITE_HELP, positiveInt } from '../command.js';
import { loadFeatureConfig } from '../../features/config-file.js';
import { extractFeatures, formatExtractSummary } from '../../features/extract.js';
import { defaultJobs } from '../../jobs/runner.js';
import { jobBackend, jobCmdOptions, jobsOption, type JobCmdOptions } from '../job-options.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 20;

/** features/fbank40.json of this package, found from src/ or dist/ alike (both 3 levels below the root). */
const DEFAULT_CONFIG = fileURLToPath(new URL('../../../features/fbank40.json', import.meta.url));

export function register(program: Command): void {
  program
    .command('features')
    .description(
      'Extract features for every utterance of a Kaldi data directory into FEATS_DIR: Kaldi-compatible log-mel fbank ' +
        '(or Meyda mel bands, see docs/features.md), Arrow shards of bounded size (feats.N.arrow, see --shard-frames) plus feats.json',
    )
    .argument('<data-dir>', 'Kaldi data directory (wav.scp, utt2spk, ...)')
    .argument('<feats-dir>', 'output directory')
    .option('--config <file>', 'feature configuration (features/*.json)', DEFAULT_CONFIG)
    .addOption(jobsOption('at least one Arrow shard each'))
    .option('--shard-frames <n>', 'at most about this many frames per shard (default 500000: 1.4 h, 80 MB at 40 dims)', positiveInt)
    .addOption(jobCmdOptions()[0])
    .addOption(jobCmdOptions()[1])
    .option('--allow-resample', 'resample audio at another rate than the config (band-limited) instead of failing')
    .option('--channel <c>', 'channel of multi-channel WAVs (0-based)', nonNegativeInt, 0)
    .option('--skip-bad', 'record bad utterances in FEATS_DIR/bad_utts and continue instead of stopping')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill features data/digits/train exp/feats/train',
        'asr-distill features data/digits/train exp/feats80/train --config features/fbank80.json --jobs 2',
        'asr-distill features data/mine exp/feats/mine --allow-resample --channel 1 --skip-bad',
        'asr-distill features data/digits/test exp/meyda/test --config features/meyda-mel40.json',
      ),
    )
    .action(
      action(
        'features',
        async (dataDir: string, featsDir: string, o: JobCmdOptions & { config: string; jobs?: number; shardFrames?: number; allowResample?: boolean; channel: number; skipBad?: boolean; overwrite?: boolean }) => {
          const config = await loadFeatureConfig(o.config);
          // With --cmd slurm a rerun continues in the work directory a failed run left: finished Slurm jobs are not redone.
          const summary = await withOutputDir(featsDir, { command: 'features', overwrite: o.overwrite, resumable: o.cmd === 'slurm' }, (work) =>
            extractFeatures(dataDir, work, {
              config,
              backend: jobBackend(o, path.join(work, 'log'), 'features'),
              jobs: o.jobs ?? defaultJobs(),
              shardFrames: o.shardFrames,
              channel: o.channel,
              allowResample: o.allowResample,
              skipBad: o.skipBad,
            }),
          );
          process.stdout.write(formatExtractSummary({ ...summary, featsDir }) + '\n');
        },
      ),
    );
}

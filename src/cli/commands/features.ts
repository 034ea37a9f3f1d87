import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { action, examples, nonNegativeInt, positiveInt } from '../command.js';
import { loadFeatureConfig } from '../../features/config.js';
import { extractFeatures, formatExtractSummary } from '../../features/extract.js';
import { defaultJobs } from '../../jobs/runner.js';

export const order = 20;

/** features/fbank40.json of this package, found from src/ or dist/ alike (both 3 levels below the root). */
const DEFAULT_CONFIG = fileURLToPath(new URL('../../../features/fbank40.json', import.meta.url));

export function register(program: Command): void {
  program
    .command('features')
    .description(
      'Extract features for every utterance of a Kaldi data directory into FEATS_DIR: Kaldi-compatible log-mel fbank ' +
        '(or Meyda mel bands, see docs/features.md), one Arrow shard per job (feats.N.arrow) plus feats.json',
    )
    .argument('<data-dir>', 'Kaldi data directory (wav.scp, utt2spk, ...)')
    .argument('<feats-dir>', 'output directory')
    .option('--config <file>', 'feature configuration (features/*.json)', DEFAULT_CONFIG)
    .option('--jobs <n>', 'parallel jobs = shards (default: every core)', positiveInt)
    .option('--allow-resample', 'resample audio at another rate than the config (band-limited) instead of failing')
    .option('--channel <c>', 'channel of multi-channel WAVs (0-based)', nonNegativeInt, 0)
    .option('--skip-bad', 'record bad utterances in FEATS_DIR/bad_utts and continue instead of stopping')
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
        async (dataDir: string, featsDir: string, o: { config: string; jobs?: number; allowResample?: boolean; channel: number; skipBad?: boolean }) => {
          const config = await loadFeatureConfig(o.config);
          const summary = await extractFeatures(dataDir, featsDir, {
            config,
            jobs: o.jobs ?? defaultJobs(),
            channel: o.channel,
            allowResample: o.allowResample,
            skipBad: o.skipBad,
          });
          process.stdout.write(formatExtractSummary(summary) + '\n');
        },
      ),
    );
}

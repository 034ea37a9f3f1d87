import type { Command } from 'commander';
import { action, examples, finiteNumber, nonNegativeInt } from '../command.js';
import { aliAccuracy, formatAccuracyReport } from '../../hmm/ali-accuracy.js';

export const order = 44;

export function register(program: Command): void {
  program
    .command('ali-accuracy')
    .description(
      'Compare alignments with reference phone timings (a phone CTM such as the digits corpus phones.ctm): ' +
        'share of reference phone boundaries within the tolerance, and frame-level phone agreement',
    )
    .argument('<ali-dir>', 'alignment directory (asr-distill align / import-ali)')
    .argument('<ref-ctm>', 'reference phone CTM: uttid 1 start duration phone')
    .option('--tolerance-ms <ms>', 'boundary tolerance', finiteNumber, 20)
    .option('--frame-length-ms <ms>', 'analysis window length of the features (frame t is centred at t*shift + length/2)', finiteNumber, 25)
    .option('--by-type <n>', 'also list the N boundary types (left>right phone) with the most misses and their median signed error', nonNegativeInt, 0)
    .option('--json', 'print the report as JSON (with --by-type: every boundary type)')
    .addHelpText(
      'after',
      examples(
        'asr-distill ali-accuracy exp/ali_train data/digits/train/phones.ctm',
        'asr-distill ali-accuracy exp/ali_train data/digits/train/phones.raw.ctm   # against eSpeak\'s raw event times',
        'asr-distill ali-accuracy exp/ali_train data/digits/train/phones.ctm --by-type 15',
        'asr-distill ali-accuracy exp/ali_dev data/digits/dev/phones.ctm --json',
      ),
    )
    .action(
      action('ali-accuracy', async (aliDir: string, refCtm: string, o: { toleranceMs: number; frameLengthMs: number; byType: number; json?: boolean }) => {
        const r = await aliAccuracy(aliDir, refCtm, { toleranceMs: o.toleranceMs, frameLengthMs: o.frameLengthMs, byType: o.byType > 0 });
        process.stdout.write(o.json ? JSON.stringify(r, null, 1) + '\n' : formatAccuracyReport(r, o.byType));
      }),
    );
}

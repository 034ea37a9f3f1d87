import type { Command } from 'commander';
import { action, examples, oneOf } from '../command.js';
import { readTranscript } from '../../score/text-file.js';
import { formatWer, scoreTranscripts, type WerMode } from '../../score/wer.js';
import { formatDetails, werToJson } from '../../score/details.js';
import { writeFileAtomic } from '../../store/atomic.js';

export const order = 70;

interface WerOptions {
  mode: WerMode;
  details?: string;
  json?: boolean;
  sclite?: boolean;
  caseSensitive?: boolean;
}

/** Register `asr-distill wer` on the program. */
export function register(program: Command): void {
  program
    .command('wer')
    .description(
      "Word error rate of HYP_TEXT against REF_TEXT (Kaldi 'uttid word ...' files), printed as Kaldi's compute-wer does",
    )
    .argument('<ref-text>', 'reference transcript (Kaldi text)')
    .argument('<hyp-text>', 'hypothesis transcript (Kaldi text)')
    .option('--mode <mode>', 'strict: fail on a reference utterance without hypothesis; present: score only those present; all: score missing ones as empty', oneOf('strict', 'present', 'all'), 'strict')
    .option('--details <file>', 'write per-utterance alignments (ref/hyp/ops, like sclite pra) and per-word error counts')
    .option('--json', 'print the result as JSON (totals and per-utterance counts)')
    .option('--sclite', "align like NIST sclite (sub 4, ins/del 3, ASCII case folded) to compare with published sclite numbers")
    .option('--case-sensitive', 'with --sclite: do not fold case (sclite -s)')
    .addHelpText(
      'after',
      examples(
        'asr-distill wer data/test/text exp/decode/hyp.txt',
        'asr-distill wer --mode all --details exp/decode/wer_details.txt data/test/text exp/decode/hyp.txt',
        'asr-distill wer --sclite --json data/test/text exp/decode/hyp.txt',
      ),
    )
    .action(
      action('wer', async (refFile: string, hypFile: string, opts: WerOptions) => {
        const [ref, hyp] = await Promise.all([readTranscript(refFile), readTranscript(hypFile)]);
        const result = scoreTranscripts(ref, hyp, {
          mode: opts.mode,
          algorithm: opts.sclite ? 'sclite' : 'kaldi',
          foldCase: opts.sclite ? !opts.caseSensitive : false,
          refFile,
          hypFile,
        });
        if (opts.details) await writeFileAtomic(opts.details, formatDetails(result));
        process.stdout.write(opts.json ? JSON.stringify(werToJson(result), null, 1) + '\n' : formatWer(result));
      }),
    );
}

import type { Command } from 'commander';
import { action, examples, finiteNumber, oneOf, positiveInt } from '../command.js';
import { DECODE_DEFAULTS } from '../../decode/decode.js';
import { transcribeFiles } from '../../decode/transcribe.js';
import { BACKEND_HELP, BACKEND_NAMES, DEFAULT_BACKEND, type BackendName } from '../../nnet/backend-name.js';

export const order = 61;

interface TranscribeCliOptions {
  grammar?: string;
  lm?: string;
  acousticScale: number;
  beam: number;
  maxActive: number;
  wordInsPenalty: number;
  ctm?: boolean;
  verbose?: boolean;
  backend: BackendName;
}

/** Register `asr-distill transcribe` on the program. */
export function register(program: Command): void {
  program
    .command('transcribe')
    .description('Print the words spoken in WAV files (one file: its words; several: `file: words` per line)')
    .argument('<model-dir>', 'model directory (DNN, ensemble or GMM)')
    .argument('<wav...>', 'WAV files (first channel; resampled to the model rate if needed)')
    .option('--grammar <file.jsgf>', "JSGF grammar (default: the model's lang/grammar.jsgf)")
    .option('--lm <file.arpa>', 'ARPA n-gram language model instead of a grammar')
    .option('--acoustic-scale <x>', 'acoustic scale', finiteNumber, DECODE_DEFAULTS.acousticScale)
    .option('--beam <x>', 'pruning beam', finiteNumber, DECODE_DEFAULTS.beam)
    .option('--max-active <n>', 'maximum active HMM states per frame', positiveInt, DECODE_DEFAULTS.maxActive)
    .option('--word-ins-penalty <x>', 'penalty per word', finiteNumber, DECODE_DEFAULTS.wordInsPenalty)
    .option('--ctm', 'print word times as CTM (`file 1 start duration word`) instead')
    .option('--verbose', 'also print score and real-time factor per file on stderr')
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), DEFAULT_BACKEND)
    .addHelpText('after', examples('asr-distill transcribe exp/student recording.wav', 'asr-distill transcribe --ctm exp/student a.wav b.wav'))
    .action(
      action('transcribe', async (modelDir: string, files: string[], opts: TranscribeCliOptions) => {
        const results = await transcribeFiles(modelDir, files, opts);
        for (const r of results) {
          if (opts.ctm) {
            const sec = (f: number) => ((f * r.frameShiftMs) / 1000).toFixed(2);
            for (const w of r.timings) process.stdout.write(`${r.file} 1 ${sec(w.startFrame)} ${sec(w.endFrame - w.startFrame)} ${w.word}\n`);
          } else process.stdout.write(results.length === 1 ? `${r.words.join(' ')}\n` : `${r.file}: ${r.words.join(' ')}\n`);
          if (opts.verbose) {
            process.stderr.write(`${r.file}: ${r.audioSec.toFixed(2)} s, score ${r.score.toFixed(2)}${r.reachedFinal ? '' : ' (partial)'}, RTF ${(r.decodeSec / Math.max(r.audioSec, 1e-9)).toFixed(4)}\n`);
          }
        }
      }),
    );
}

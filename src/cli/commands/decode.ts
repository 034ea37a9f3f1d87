import { InvalidArgumentError, Option, type Command } from 'commander';
import * as path from 'node:path';
import { action, addHiddenAlias, examples, finiteNumber, oneOf, OVERWRITE_HELP, positiveInt, SIL_PROB_HELP } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { DECODE_DEFAULTS, decodeDataDir, parseAcousticScales, type DecodeSummary } from '../../decode/decode.js';
import { formatPercent, formatWer } from '../../score/wer.js';
import { defaultJobs } from '../../jobs/runner.js';
import { jobBackend, jobCmdOptions, jobsOption, type JobCmdOptions } from '../job-options.js';
import { BACKEND_HELP, BACKEND_NAMES, DEFAULT_BACKEND, type BackendName } from '../../nnet/backend-name.js';
import { ALLOW_FEATURE_MISMATCH_HELP } from '../feature-options.js';
import { DEFAULT_TOP_N } from '../../nnet/specialists.js';

export const order = 60;

interface DecodeCliOptions extends JobCmdOptions {
  overwrite?: boolean;
  grammar?: string;
  lm?: string;
  feats?: string;
  allowFeatureMismatch?: boolean;
  acousticScale: number[];
  beam: number;
  maxActive: number;
  wordInsPenalty: number;
  silProb: number;
  jobs?: number;
  backend: BackendName;
  top?: number;
}

function scalesOption(value: string): number[] {
  try {
    return parseAcousticScales(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--acoustic-scale \S+: /, ''));
  }
}

function probability(value: string): number {
  const p = finiteNumber(value);
  if (!(p >= 0 && p < 1)) throw new InvalidArgumentError(`expected a probability in [0, 1), got '${value}'`);
  return p;
}

/** The summary `decode` prints: counts, WER lines (or the sweep), RTF. */
export function formatDecodeSummary(s: DecodeSummary): string {
  let out = `decode: ${s.numUtts} utterances (${s.audioSec.toFixed(1)} s of audio), ${s.modelKind} model, grammar ${s.grammar.file} (${s.grammar.kind})\n`;
  if (s.missingFeats.length > 0) out += `decode: ${s.missingFeats.length} utterances have no features and were not decoded (e.g. ${s.missingFeats[0]})\n`;
  if (s.numPartial > 0) out += `decode: ${s.numPartial} utterances reached no final grammar state; their best partial paths were output (try a larger --beam)\n`;
  if (s.scales.length > 1) {
    for (const r of s.scales) out += `acoustic scale ${r.acousticScale}: ${r.wer ? `%WER ${r.wer.wer === null ? 'undefined' : formatPercent(r.wer.wer)} [ ${r.wer.errors} / ${r.wer.numWords} ]` : 'no reference text'}\n`;
    out += `best acoustic scale: ${s.acousticScale}${s.wer ? '' : ' (no reference text: the first)'}\n`;
  } else out += `acoustic scale ${s.acousticScale}\n`;
  if (s.wer) out += formatWer(s.wer);
  out += `RTF ${s.rtf.toFixed(4)} (features ${(s.featureSec / s.audioSec).toFixed(4)}, forward ${(s.forwardSec / s.audioSec).toFixed(4)}, search ${(s.searchSec / s.audioSec).toFixed(4)}; ${s.jobs} job${s.jobs === 1 ? '' : 's'}, ${s.wallSec.toFixed(1)} s wall)\n`;
  out += `wrote ${s.outDir}/hyp.txt, ctm, scores.txt${s.wer ? ', wer.txt, wer.json, wer_details.txt' : ''}, decode.json\n`;
  return out;
}

/** Register `asr-distill decode` on the program. */
export function register(program: Command): void {
  // --silence-prob: the old name of --sil-prob (one name across align, train-mono, train-tri, decode).
  addHiddenAlias(program.command('decode'), '--silence-prob <p>', 'silProb', probability)
    .description('Decode a data directory with a DNN, ensemble or GMM model and a grammar or n-gram LM; writes hyp.txt, CTM, WER and RTF')
    .argument('<model-dir>', 'model directory (DNN, ensemble manifest, specialists directory from train-specialists, or GMM from train-mono); its lang/ and transition model define the HMMs')
    .argument('<data-dir>', 'Kaldi data directory (wav.scp, utt2spk, optional text for WER)')
    .argument('<out-dir>', 'output directory')
    .option('--grammar <file.jsgf>', "JSGF grammar (default: the model's lang/grammar.jsgf)")
    .option('--lm <file.arpa>', 'ARPA n-gram language model instead of a grammar')
    .option('--feats <feats-dir>', "stored features of DATA_DIR (default: extract from wav.scp with the model's feature config)")
    .option('--allow-feature-mismatch', ALLOW_FEATURE_MISMATCH_HELP)
    .addOption(
      new Option('--acoustic-scale <x|a:b:step>', 'acoustic scale, or a sweep scored on DATA_DIR keeping the best')
        .argParser(scalesOption)
        .default([DECODE_DEFAULTS.acousticScale], String(DECODE_DEFAULTS.acousticScale)),
    )
    .option('--beam <x>', 'pruning beam (log-likelihood units, after scaling)', finiteNumber, DECODE_DEFAULTS.beam)
    .option('--max-active <n>', 'maximum active HMM states per frame', positiveInt, DECODE_DEFAULTS.maxActive)
    .option('--word-ins-penalty <x>', 'penalty per word (positive = fewer insertions)', finiteNumber, DECODE_DEFAULTS.wordInsPenalty)
    .option('--sil-prob <p>', SIL_PROB_HELP, probability, DECODE_DEFAULTS.silenceProb)
    .addOption(jobsOption('utterances split by speaker'))
    .addOption(jobCmdOptions()[0])
    .addOption(jobCmdOptions()[1])
    .option('--backend <name>', BACKEND_HELP, oneOf(...BACKEND_NAMES), DEFAULT_BACKEND)
    .option('--top <N>', `a specialists directory only: the generalist's N most probable pdfs pick the active specialists (default ${DEFAULT_TOP_N}, as eval-specialists)`, positiveInt)
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill decode exp/student data/digits/test exp/decode/student_test --feats feats/test',
        'asr-distill decode exp/ensemble data/digits/dev exp/decode/ens_dev --acoustic-scale 0.05:0.2:0.05',
        'asr-distill decode exp/student data/digits/test exp/decode/lm --lm exp/lm/digits.2g.arpa --word-ins-penalty 0.5',
      ),
    )
    .action(
      action('decode', async (modelDir: string, dataDir: string, outDir: string, opts: DecodeCliOptions) => {
        // A fresh directory each run: nothing of an earlier decode (scoring/, wer.txt) survives beside the new hyp.txt.
        // With --cmd slurm a rerun continues in the work directory a failed run left: finished Slurm jobs are not redone.
        const summary = await withOutputDir(outDir, { command: 'decode', overwrite: opts.overwrite, resumable: opts.cmd === 'slurm' }, (work) => decodeDataDir(modelDir, dataDir, work, {
          runner: jobBackend(opts, path.join(work, 'log'), 'decode'),
          grammar: opts.grammar,
          lm: opts.lm,
          featsDir: opts.feats,
          allowFeatureMismatch: opts.allowFeatureMismatch,
          acousticScales: opts.acousticScale,
          beam: opts.beam,
          maxActive: opts.maxActive,
          wordInsPenalty: opts.wordInsPenalty,
          silenceProb: opts.silProb,
          jobs: opts.jobs ?? defaultJobs(),
          backend: opts.backend,
          specialists: { topN: opts.top },
        }));
        process.stdout.write(formatDecodeSummary({ ...summary, outDir }));
      }),
    );
}

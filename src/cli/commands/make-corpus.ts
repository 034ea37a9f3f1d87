import { Argument, InvalidArgumentError, Option, type Command } from 'commander';
import * as path from 'node:path';
import { action, examples, nonNegativeInt, OVERWRITE_HELP, positiveInt } from '../command.js';
import { DEFAULT_DIGITS_CONFIG, makeDigitsCorpus, type DigitsCorpusConfig } from '../../corpus/digits.js';
import { NOISE_TYPES, type NoiseType } from '../../corpus/noise.js';
import { SPLITS } from '../../corpus/voices.js';
import { DEFAULT_WORDS_CONFIG, makeWordsCorpus } from '../../corpus/words.js';
import { outputSidePaths } from '../../store/output-dir.js';
import { jobBackend, jobCmdOptions, jobsOption, type JobCmdOptions } from '../job-options.js';

export const order = 15;

/** commander parser for `LO:HI` (two numbers, LO <= HI). */
function range(value: string): [number, number] {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*:\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError(`expected LO:HI with LO <= HI, got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

/** commander parser for a comma-separated list of noise types. */
function noiseList(value: string): NoiseType[] {
  const list = value.split(',').map((s) => s.trim());
  for (const t of list) {
    if (!(NOISE_TYPES as readonly string[]).includes(t)) throw new InvalidArgumentError(`expected some of ${NOISE_TYPES.join(',')}, got '${t}'`);
  }
  return list as NoiseType[];
}

const d = DEFAULT_DIGITS_CONFIG;

export function register(program: Command): void {
  program
    .command('make-corpus')
    .description(
      'Synthesize the offline multi-speaker connected-digits corpus with eSpeak-NG: train/dev/test Kaldi data dirs ' +
        '(16 kHz 16-bit WAVs, disjoint speakers) with the synthesizer phone timings in phones.ctm. ' +
        "'words': the varied-words set for GMM training (docs/alignment.md): a train/ data dir of the same seed's train " +
        'speakers saying ordinary words made of the digit phones (data/lang/digits-words); give it the digits corpus\'s ' +
        'speaker counts and seed (--dev-utts/--test-utts are not used; 2-7 words per utterance unless --max-words)',
    )
    .addArgument(new Argument('<corpus>', 'which corpus: digits, or words (the varied-words GMM training set)').choices(['digits', 'words']))
    .argument('<out-dir>', 'output directory (replaced atomically)')
    .option('--train-utts <n>', 'training utterances', positiveInt, d.utts.train)
    .option('--dev-utts <n>', 'development utterances', positiveInt, d.utts.dev)
    .option('--test-utts <n>', 'test utterances', positiveInt, d.utts.test)
    .option('--train-speakers <n>', 'training speakers', positiveInt, d.speakers.train)
    .option('--dev-speakers <n>', 'development speakers (never in train)', positiveInt, d.speakers.dev)
    .option('--test-speakers <n>', 'test speakers (never in train)', positiveInt, d.speakers.test)
    .addOption(new Option('--snr-db <lo:hi>', 'speech-to-noise ratio range in dB').argParser(range).default(d.snrDb, d.snrDb.join(':')))
    .addOption(new Option('--noise <types>', 'noise types to draw from').argParser(noiseList).default(d.noiseTypes, d.noiseTypes.join(',')))
    .addOption(new Option('--gain-db <lo:hi>', 'overall gain range in dB').argParser(range).default(d.gainDb, d.gainDb.join(':')))
    .option('--max-words <n>', `words per utterance: 1..n (words: ${DEFAULT_WORDS_CONFIG.minWords}..n)`, positiveInt, d.maxWords)
    .option('--seed <s>', 'random seed (same seed, same bytes)', nonNegativeInt, d.seed)
    .addOption(jobsOption('utterances synthesized in worker threads'))
    .addOption(jobCmdOptions()[0])
    .addOption(jobCmdOptions()[1])
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill make-corpus digits data/digits',
        'asr-distill make-corpus digits data/tiny --train-utts 60 --dev-utts 12 --test-utts 12 --train-speakers 6 --dev-speakers 2 --test-speakers 2',
        'asr-distill make-corpus digits data/noisy --snr-db 0:15 --noise pink,babble --seed 7 --jobs 2',
        'asr-distill make-corpus words data/words --train-utts 600 --train-speakers 12 --dev-speakers 3 --test-speakers 3 --seed 1',
      ),
    )
    .action(
      action('make-corpus', async (corpus: string, outDir: string, o: Record<string, any>) => {
        const words = corpus === 'words';
        const config: DigitsCorpusConfig = {
          ...(words ? DEFAULT_WORDS_CONFIG : d),
          seed: o.seed,
          utts: { train: o.trainUtts, dev: o.devUtts, test: o.testUtts },
          speakers: { train: o.trainSpeakers, dev: o.devSpeakers, test: o.testSpeakers },
          snrDb: o.snrDb,
          noiseTypes: o.noise,
          gainDb: o.gainDb,
          maxWords: o.maxWords,
        };
        // The synthesis jobs run inside the work directory that becomes OUT_DIR (store/output-dir.ts).
        const backend = jobBackend(o as JobCmdOptions, path.join(outputSidePaths(outDir).work, 'log'), 'make-corpus');
        const opts = { ...(o.jobs !== undefined ? { jobs: o.jobs } : {}), ...(backend ? { backend } : {}), overwrite: o.overwrite === true };
        const summary = words ? await makeWordsCorpus(outDir, config, opts) : await makeDigitsCorpus(outDir, config, opts);
        for (const s of SPLITS) {
          const x = summary.splits[s];
          if (x.utts === 0) continue;
          process.stdout.write(`${outDir}/${s}: ${x.utts} utterances, ${x.speakers} speakers, ${x.words} words, ${(x.hours * 60).toFixed(1)} min\n`);
        }
      }),
    );
}

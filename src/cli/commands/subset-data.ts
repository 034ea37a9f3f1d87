import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { action, examples, finiteNumber, OVERWRITE_HELP, positiveInt } from '../command.js';
import { subsetDataDir } from '../../data/subset-data.js';
import { formatWrittenDataDir } from '../data-dir-summary.js';
import { withOutputDir } from '../../store/output-dir.js';

export const order = 11;

export function register(program: Command): void {
  program
    .command('subset-data')
    .description("Write a subset of a Kaldi data directory (utils/subset_data_dir.sh): N utterances or a fraction drawn at random with a seed, or the given speakers' utterances; the result is validated")
    .argument('<data-dir>', 'source data directory')
    .argument('<out-dir>', 'output data directory')
    .option('--utts <n>', 'number of utterances (random, see --seed)', positiveInt)
    .option('--fraction <f>', 'fraction of the utterances in (0, 1] (random, see --seed)', finiteNumber)
    .option('--speakers <list>', "speakers to keep: comma-separated ids, or '@FILE' with one id per line")
    .option('--seed <s>', 'seed of the random draw', positiveInt, 1)
    .option('--speaker-balanced', "with --utts/--fraction: draw from every speaker in proportion to its utterances (the full set's speaker mix)")
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill subset-data data/digits/train data/digits/train_100 --utts 100',
        'asr-distill subset-data data/digits/train data/digits/train_half --fraction 0.5 --seed 2',
        'asr-distill subset-data data/digits/train data/digits/train_2spk --speakers en-us-f1,en-gb-m2',
        'asr-distill subset-data data/digits/train data/digits/train_3pct --fraction 0.03 --speaker-balanced --seed 1',
      ),
    )
    .action(
      action('subset-data', async (dir: string, out: string, o: { utts?: number; fraction?: number; speakers?: string; seed: number; speakerBalanced?: boolean; overwrite?: boolean }) => {
        const speakers = o.speakers === undefined ? undefined : await speakerList(o.speakers);
        const r = await withOutputDir(out, { command: 'subset-data', overwrite: o.overwrite }, (work) =>
          subsetDataDir(dir, work, { utts: o.utts, fraction: o.fraction, speakers, seed: o.seed, speakerBalanced: o.speakerBalanced }),
        );
        process.stdout.write(`subset-data: ${formatWrittenDataDir(out, r)}\n`);
      }),
    );
}

/** `a,b,c` or `@FILE` (one speaker id per line, as Kaldi's --spk-list). */
async function speakerList(value: string): Promise<string[]> {
  if (!value.startsWith('@')) return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const file = value.slice(1);
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new InputError(`--speakers ${value}: cannot read ${file}: ${e.message}`);
  });
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

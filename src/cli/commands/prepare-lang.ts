import type { Command } from 'commander';
import { action, examples, oneOf, OVERWRITE_HELP } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { prepareLang, formatOovReport, type VocabularyFormat } from '../../lang/prepare-lang.js';

export const order = 30;

export function register(program: Command): void {
  program
    .command('prepare-lang')
    .description(
      'Build a language directory (phones.txt, words.txt, lexicon.txt, silence/nonsilence phones, grammar.jsgf) ' +
        'from a word list or a Kaldi text file, with pronunciations from CMUdict or your own lexicon',
    )
    .argument('<input>', 'word list (one word per line) or Kaldi text (uttid w1 w2 ...), detected automatically')
    .argument('<out-dir>', 'language directory to write')
    .option('--dict <cmudict|file>', "pronunciations: 'cmudict' or a Kaldi lexicon file; repeat to combine (union)", collect, [])
    .option('--oov-word <word>', "map words without a pronunciation to this garbage word (pronounced SPN), e.g. '<unk>'")
    .option('--keep-stress', 'keep CMUdict stress digits (AH0/AH1/AH2)', false)
    .option('--format <f>', 'input layout: auto, wordlist, text (first column = utt id), sentences', oneOf('auto', 'wordlist', 'text', 'sentences'), 'auto')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        'asr-distill prepare-lang data/lang/digits/local/wordlist.txt data/lang/digits --dict cmudict --dict data/lang/digits/local/accent-variants.txt',
        "asr-distill prepare-lang data/train/text data/lang/train --oov-word '<unk>'",
        'asr-distill prepare-lang words.txt data/lang/mine --dict my-lexicon.txt',
      ),
    )
    .action(
      action(
        'prepare-lang',
        async (input: string, outDir: string, o: { overwrite?: boolean; dict: string[]; oovWord?: string; keepStress: boolean; format: VocabularyFormat | 'auto' }) => {
          const report = await withOutputDir(outDir, { command: 'prepare-lang', overwrite: o.overwrite }, (work) => prepareLang(input, work, {
            dicts: o.dict,
            keepStress: o.keepStress,
            format: o.format,
            ...(o.oovWord !== undefined ? { oovWord: o.oovWord } : {}),
          }));
          if (report.oov.length > 0) {
            process.stderr.write(
              `prepare-lang: ${formatOovReport(report.oov, o.dict.length > 0 ? o.dict.join(' or ') : 'cmudict')}; mapped to ${o.oovWord}\n`,
            );
          }
          process.stdout.write(
            `prepare-lang: ${outDir}: ${report.numWords} words, ${report.numPronunciations} pronunciations (input read as ${report.format})\n`,
          );
        },
      ),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

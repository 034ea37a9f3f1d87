import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { action, examples, positiveInt } from '../command.js';
import { InputError } from '../../errors.js';
import { parseTranscript } from '../../score/text-file.js';
import { trainNgramArpa } from '../../decode/ngram-train.js';
import { writeFileAtomic } from '../../store/atomic.js';

export const order = 62;

interface TrainLmOptions {
  order: number;
  uttIds: boolean;
}

/** Register `asr-distill train-lm` on the program. */
export function register(program: Command): void {
  program
    .command('train-lm')
    .description('Estimate an n-gram language model (interpolated Witten-Bell) from a text and write it as ARPA for decode --lm')
    .argument('<text>', "training text: Kaldi text ('uttid w1 w2 ...'), or one sentence per line with --no-utt-ids")
    .argument('<out-arpa>', 'ARPA file to write')
    .option('--order <n>', 'n-gram order', positiveInt, 2)
    .option('--no-utt-ids', 'lines hold only words (no utterance id first)')
    .addHelpText('after', examples('asr-distill train-lm data/digits/train/text --order 2 exp/lm/digits.2g.arpa', 'asr-distill train-lm --no-utt-ids sentences.txt --order 3 lm.arpa'))
    .action(
      action('train-lm', async (textFile: string, outFile: string, opts: TrainLmOptions) => {
        let content: string;
        try {
          content = await fs.readFile(textFile, 'utf8');
        } catch {
          throw new InputError(`${textFile}: training text not found`);
        }
        const sentences = opts.uttIds
          ? [...parseTranscript(content, textFile).values()].filter((s) => s.length > 0)
          : content.split('\n').map((l) => l.split(/[ \t\r]+/).filter((w) => w.length > 0)).filter((s) => s.length > 0);
        const arpa = trainNgramArpa(sentences, { order: opts.order });
        await writeFileAtomic(outFile, arpa);
        const counts = [...arpa.matchAll(/^ngram (\d+)=(\d+)$/gm)].map((m) => `${m[2]} ${m[1]}-grams`).join(', ');
        process.stdout.write(`train-lm: wrote ${outFile} (order ${opts.order}, interpolated Witten-Bell; ${counts}) from ${sentences.length} sentences\n`);
      }),
    );
}

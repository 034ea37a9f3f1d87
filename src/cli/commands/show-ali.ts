import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { action, examples, oneOf } from '../command.js';
import { formatCtm, formatPdfText, phoneSegments, readAlignments } from '../../hmm/ali-archive.js';
import { encodeArchive, encodeBinaryInt32Vector } from '../../store/kaldi-archive.js';

export const order = 42;

export function register(program: Command): void {
  program
    .command('show-ali')
    .description(
      'Print alignments as a Kaldi phone CTM (`uttid 1 start duration phone`, like ali-to-phones --ctm-output) ' +
        'or as per-frame pdf ids (like ali-to-pdf ... ark,t:-)',
    )
    .argument('<ali-dir>', 'alignment directory (asr-distill align / import-ali)')
    .option('--utt <id>', 'only this utterance')
    .option('--format <f>', 'ctm, pdf (text) or pdf-binary (a binary int32-vector archive, like ali-to-pdf ... ark:-)', oneOf('ctm', 'pdf', 'pdf-binary'), 'ctm')
    .addHelpText(
      'after',
      examples(
        'asr-distill show-ali exp/ali_train --utt spk01-0001',
        'asr-distill show-ali exp/ali_dev --format pdf > ali.txt',
        'asr-distill show-ali exp/ali_dev --format pdf-binary > pdf.ark   # Kaldi: ark:pdf.ark',
      ),
    )
    .action(
      action('show-ali', async (aliDir: string, o: { utt?: string; format: 'ctm' | 'pdf' | 'pdf-binary' }) => {
        const { info, alis, transitionModel, lang } = await readAlignments(aliDir);
        let list = [...alis.values()];
        if (o.utt !== undefined) {
          const a = alis.get(o.utt);
          if (!a) {
            const why = info.failed.find((f) => f.uttId === o.utt);
            throw new InputError(`${aliDir}: no alignment for utterance ${o.utt}${why ? ` (it failed: ${why.reason})` : ''}`);
          }
          list = [a];
        }
        const out =
          o.format === 'pdf-binary'
            ? encodeArchive(list.map((a) => ({ key: a.uttId, value: a.pdfIds })), encodeBinaryInt32Vector).bytes
            : list.map((a) => (o.format === 'pdf' ? formatPdfText(a) : formatCtm(a.uttId, phoneSegments(a, transitionModel), lang.phones, info.frameShiftMs))).join('');
        // Wait for the write to flush: the CLI exits right after the action, and a pipe is written asynchronously.
        await new Promise<void>((resolve) => {
          const queued = process.stdout.write(out, () => resolve());
          if (queued && process.stdout.writableLength === 0) resolve();
        });
      }),
    );
}

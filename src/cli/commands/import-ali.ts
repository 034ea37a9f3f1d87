import type { Command } from 'commander';
import { action, examples, finiteNumber, oneOf, OVERWRITE_HELP } from '../command.js';
import { withOutputDir } from '../../store/output-dir.js';
import { importAlignments } from '../../hmm/ali-import.js';
import { printable } from '../../data/text-input.js';
import { readFeatsInfo, streamFeatsIndex } from '../../store/feats-archive.js';
import { InputError } from '../../errors.js';

function kaldiModelFiles(o: { kaldiTree?: string; kaldiModel?: string; kaldiPhones?: string }): { tree: string; model: string; phones?: string } {
  if (!o.kaldiTree || !o.kaldiModel) throw new InputError('--kaldi-tree and --kaldi-model go together: the tree gives the tied states, the transition model the HMMs');
  return { tree: o.kaldiTree, model: o.kaldiModel, ...(o.kaldiPhones ? { phones: o.kaldiPhones } : {}) };
}

export const order = 43;

export function register(program: Command): void {
  program
    .command('import-ali')
    .description(
      "Import alignments made elsewhere into an ALI_DIR: Kaldi per-frame pdf ids (ali-to-pdf output: text, binary archive, or gzipped), or transition ids with the Kaldi tree and transition model (text form) that made them, " +
        'or Praat TextGrid phone tiers (e.g. from the Montreal Forced Aligner; a file or a directory of <uttid>.TextGrid)',
    )
    .argument('<format>', 'kaldi or textgrid', oneOf('kaldi', 'textgrid'))
    .argument('<input>', 'the Kaldi pdf-id archive (text or binary), or TextGrid file/directory')
    .argument('<model-or-lang-dir>', 'a model directory (its transition model gives the pdf ids) or a lang directory (default topology)')
    .argument('<ali-dir>', 'output alignment directory')
    .option('--feats <dir>', 'feature directory: frame counts must match it (TextGrids take its lengths)')
    .option('--frame-shift-ms <ms>', 'frame shift', finiteNumber, 10)
    .option('--frame-length-ms <ms>', 'frame length (frame t is centred at t*shift + length/2)', finiteNumber, 25)
    .option('--tier <name>', 'TextGrid tier with the phones (default: the one named "phones")')
    .option('--kaldi-tree <file>', "kaldi: the Kaldi tree in text form (copy-tree --binary=false); the alignment directory gets this model (with --kaldi-model)")
    .option('--kaldi-model <file>', 'kaldi: the Kaldi transition model in text form (copy-transition-model --binary=false final.mdl)')
    .option('--kaldi-phones <file>', "kaldi: Kaldi's data/lang/phones.txt (default: <model-or-lang-dir>'s phones.txt)")
    .option('--transition-ids', 'kaldi: the input holds transition ids (ali.*.gz) rather than pdf ids (needs --kaldi-tree and --kaldi-model)')
    .option('--overwrite', OVERWRITE_HELP)
    .addHelpText(
      'after',
      examples(
        "ali-to-pdf exp/mono/final.mdl 'ark:gunzip -c exp/mono_ali/ali.*.gz|' ark,t:- > ali.txt && asr-distill import-ali kaldi ali.txt exp/mono exp/ali_kaldi",
        'asr-distill import-ali textgrid mfa_out/ data/lang/digits exp/ali_mfa --feats exp/feats/train',
        "copy-tree --binary=false exp/tri1/tree tree.txt && copy-transition-model --binary=false exp/tri1/final.mdl mdl.txt && " +
          "asr-distill import-ali kaldi exp/tri1_ali/ali.1.gz data/lang/digits exp/ali_tri --kaldi-tree tree.txt --kaldi-model mdl.txt --kaldi-phones kaldi/data/lang/phones.txt --transition-ids",
      ),
    )
    .action(
      action(
        'import-ali',
        async (format: 'kaldi' | 'textgrid', input: string, modelOrLang: string, aliDir: string, o: { overwrite?: boolean; feats?: string; frameShiftMs: number; frameLengthMs: number; tier?: string; kaldiTree?: string; kaldiModel?: string; kaldiPhones?: string; transitionIds?: boolean }) => {
          let numFrames: Map<string, number> | undefined;
          if (o.feats) {
            // Frame counts only: a column pass over the shards, never the features (streamFeatsIndex).
            numFrames = new Map();
            for await (const u of streamFeatsIndex(await readFeatsInfo(o.feats), o.feats)) numFrames.set(u.uttId, u.numFrames);
          }
          const r = await withOutputDir(aliDir, { command: 'import-ali', overwrite: o.overwrite }, (work) => importAlignments(format, input, modelOrLang, work, {
            frameShiftMs: o.frameShiftMs,
            frameLengthMs: o.frameLengthMs,
            ...(numFrames ? { numFrames } : {}),
            ...(o.tier ? { tier: o.tier } : {}),
            ...(o.kaldiTree || o.kaldiModel ? { kaldi: kaldiModelFiles(o) } : {}),
            ...(o.transitionIds ? { transitionIds: true } : {}),
          }));
          for (const f of r.failed) process.stderr.write(`import-ali: skipped ${printable(f.uttId)}: ${f.reason}\n`);
          process.stdout.write(`import-ali: ${aliDir}: ${r.numUtts} utterances imported, ${r.failed.length} skipped${r.failed.length ? ` (see ${aliDir}/failed)` : ''}\n`);
        },
      ),
    );
}

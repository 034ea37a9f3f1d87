import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { action, examples, oneOf } from '../command.js';
import { readFeatsInfo, streamFeatsDir, streamFeatsIndex, streamFeatsOf, type UttFeats } from '../../store/feats-archive.js';
import { applyCmvn, readCmvn } from '../../features/cmvn.js';
import { encodeArchive, encodeBinaryMatrix, formatKaldiTextMatrix } from '../../store/kaldi-archive.js';

export const order = 22;

type Format = 'kaldi-text' | 'kaldi-binary' | 'json';

function toJson(u: UttFeats, data: Float32Array): string {
  const rows: number[][] = [];
  for (let t = 0; t < u.numFrames; t++) rows.push(Array.from(data.subarray(t * u.dim, (t + 1) * u.dim)));
  return JSON.stringify({ uttId: u.uttId, speakerId: u.speakerId, numFrames: u.numFrames, dim: u.dim, feats: rows });
}

/** One utterance as `format` prints it. */
function formatUtt(u: UttFeats, data: Float32Array, format: Format): string | Uint8Array {
  if (format === 'kaldi-binary') return encodeArchive([{ key: u.uttId, value: data }], (d) => encodeBinaryMatrix(d, u.numFrames, u.dim)).bytes;
  return format === 'json' ? toJson(u, data) + '\n' : formatKaldiTextMatrix(u.uttId, data, u.numFrames, u.dim);
}

/** Wait until stdout took what was queued (or closed): one utterance's text in memory, not the corpus's. */
function stdoutDrained(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done).off('close', done);
      resolve();
    };
    process.stdout.once('drain', done).once('close', done);
  });
}

let stdoutClosed = false;
let pipeHandlerInstalled = false;
/** A closed pipe (`show-feats ... | head`) ends the output quietly, as Kaldi tools do. */
function quietOnClosedPipe(): void {
  if (pipeHandlerInstalled) return;
  pipeHandlerInstalled = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') stdoutClosed = true;
    else throw e;
  });
}

export function register(program: Command): void {
  program
    .command('show-feats')
    .description(
      "Print features from FEATS_DIR: as Kaldi's text archive (identical to `copy-feats ark:- ark,t:-`, so you can diff " +
        'against Kaldi) or as JSON lines (one utterance per line)',
    )
    .argument('<feats-dir>', 'feature directory written by `asr-distill features`')
    .option('--utt <id>', 'only this utterance')
    .option('--format <format>', 'kaldi-text, kaldi-binary (a binary archive of float matrices, like copy-feats ark:- ark:-) or json', oneOf<Format>('kaldi-text', 'kaldi-binary', 'json'), 'kaldi-text' as Format)
    .option('--cmvn', 'apply FEATS_DIR/cmvn.json first (mean normalisation, like apply-cmvn)')
    .option('--norm-vars', 'with --cmvn, also normalise variances (apply-cmvn --norm-vars=true)')
    .addHelpText(
      'after',
      examples(
        'asr-distill show-feats exp/feats/train --utt spk1-0003',
        'asr-distill show-feats exp/feats/train --format json | head -1',
        'asr-distill show-feats exp/feats/train --format kaldi-binary | copy-feats ark:- ark,t:- | head',
        'asr-distill show-feats exp/feats/train --cmvn --norm-vars --utt spk1-0003',
      ),
    )
    .action(
      action('show-feats', async (featsDir: string, o: { utt?: string; format: Format; cmvn?: boolean; normVars?: boolean }) => {
        if (o.normVars && !o.cmvn) throw new InputError('--norm-vars needs --cmvn');
        // Streamed shard by shard, one record batch in memory (no corpus-sized buffer); --utt
        // finds its shard by a column-only pass (streamFeatsIndex) and reads only that shard.
        const info = await readFeatsInfo(featsDir);
        let utts: AsyncIterable<UttFeats>;
        if (o.utt !== undefined) {
          let file: string | undefined;
          for await (const u of streamFeatsIndex(info, featsDir)) {
            if (u.uttId === o.utt) { file = u.file; break; } // ids are unique
          }
          if (file === undefined) throw new InputError(`utterance ${o.utt} is not in ${featsDir} (${info.numUtts} utterances; see \`asr-distill show-feats ${featsDir} --format json\`)`);
          utts = streamFeatsOf(new Map([[o.utt, file]]));
        } else {
          utts = (async function* () {
            for await (const { utt } of streamFeatsDir(info, featsDir)) yield utt;
          })();
        }
        const cmvn = o.cmvn ? await readCmvn(featsDir) : undefined;
        quietOnClosedPipe();
        for await (const u of utts) {
          if (stdoutClosed) break;
          const data = cmvn ? applyCmvn(u, cmvn, { normVars: o.normVars }) : u.data;
          if (!process.stdout.write(formatUtt(u, data, o.format))) await stdoutDrained();
        }
      }),
    );
}

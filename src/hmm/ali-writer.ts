// ALI_DIR/ali.arrow written utterance by utterance (combine-ali, split-ali): record batches of at
// most `batchFrames` frames go to disk as they fill, so an alignment of any size never sits in
// memory whole. With the default batch size the bytes are those writeAlignments writes.
import { openArrowFileWriter, type ArrowFileWriter } from '../store/arrow-batches.js';
import { compareCLocale } from '../data/c-locale.js';
import { ALI_BATCH_FRAMES, encodeAlignments, type UttAlignment } from './ali-archive.js';

/** A streaming ali.arrow writer; utterances must come in C-locale order of their ids, as readers expect. */
export interface AliWriter {
  add(ali: UttAlignment): Promise<void>;
  /** Finish the file (renamed into place); returns the utterance and frame counts. */
  close(): Promise<{ numUtts: number; numFrames: number }>;
  abort(): Promise<void>;
}

/**
 * Open `file` (an ali.arrow) for writing; it appears only on close().
 *
 * @example const w = await openAliWriter('exp/ali/ali.arrow'); for (const a of sorted) await w.add(a); await w.close();
 */
export async function openAliWriter(file: string, batchFrames = ALI_BATCH_FRAMES): Promise<AliWriter> {
  const out: ArrowFileWriter = await openArrowFileWriter(file);
  let group: UttAlignment[] = [];
  let frames = 0;
  let numUtts = 0;
  let numFrames = 0;
  let last: string | undefined;
  let appended = false;
  const flush = async () => {
    await out.append(encodeAlignments(group, Number.MAX_SAFE_INTEGER));
    appended = true;
    group = [];
    frames = 0;
  };
  return {
    async add(a) {
      if (last !== undefined && compareCLocale(last, a.uttId) >= 0) throw new Error(`openAliWriter(${file}): utterance ${a.uttId} after ${last}; add them in C-locale order, once each`);
      last = a.uttId;
      // The grouping of encodeAlignments: a new batch when this utterance would overflow the current one.
      if (frames > 0 && frames + a.pdfIds.length > batchFrames) await flush();
      group.push(a);
      frames += a.pdfIds.length;
      numUtts++;
      numFrames += a.pdfIds.length;
    },
    async close() {
      if (group.length > 0 || !appended) await flush();
      await out.close();
      return { numUtts, numFrames };
    },
    abort: () => out.abort(),
  };
}

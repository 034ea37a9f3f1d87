// The DNN targets of an alignment directory without its phone ids: streamed training (nnet/
// frame-stream.ts) keeps the pdf id of every frame (4 bytes) and nothing else, half of what
// readAlignments holds; ali.arrow is read record batch by record batch.
import * as path from 'node:path';
import { ALI_ARROW_FILE, streamAlignments, type AliInfo } from './ali-archive.js';
import { checkAliAgainstModel, readAliDirModel } from './combine-ali.js';
import type { TransitionModel } from './transition-model.js';

/**
 * The pdf ids of every aligned utterance of `dir`, checked against its transition model as
 * readAlignments checks them.
 *
 * @example const { alis } = await readAliPdfIds('exp/ali'); alis.get('spk1-0001')!.pdfIds
 */
export async function readAliPdfIds(dir: string): Promise<{ info: AliInfo; alis: Map<string, { pdfIds: Int32Array }>; transitionModel: TransitionModel }> {
  const { info, transitionModel } = await readAliDirModel(dir);
  const file = path.join(dir, ALI_ARROW_FILE);
  const alis = new Map<string, { pdfIds: Int32Array }>();
  for await (const a of streamAlignments(file, dir)) {
    checkAliAgainstModel(a, transitionModel, file);
    alis.set(a.uttId, { pdfIds: a.pdfIds });
  }
  return { info, alis, transitionModel };
}

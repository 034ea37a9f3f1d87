// Split an alignment directory into the parts split-data makes of its data directory, so that
// per-job work (DNN targets of one part, scoring one part) reads only its own alignments.
// ali.arrow holds no speakers: the grouping comes from the data directory's spk2utt.
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { copyLangDir } from '../lang/lang-dir.js';
import { speakerParts } from '../data/split-data.js';
import { ALI_ARROW_FILE, ALI_BATCH_FRAMES, ALI_FAILED_FILE, ALI_JSON_FILE, type AliInfo } from './ali-archive.js';
import { openAliWriter, type AliWriter } from './ali-writer.js';
import { checkAliAgainstModel, readAliDirModel, sortedAlignments } from './combine-ali.js';
import { writeTransitionModel, TRANSITION_MODEL_FILE } from './transition-model.js';

/**
 * Write parts 1..n of alignment directory `dir` into `out/1` ... `out/n`, each a complete
 * alignment directory, grouped as `split-data DATA n` groups the data directory whose `spk2utt`
 * is given (`dataDir` names it in errors): part JOB holds the alignments of DATA/splitN/JOB.
 * An utterance (aligned or failed) that the data directory lacks is an error. Each part's record
 * batches hold at most ALI_BATCH_FRAMES / n frames, so the memory held stays that of one batch.
 *
 * @example await splitAliDir('exp/ali', 'exp/ali/split4', 4, (await readDataDir('data/train')).spk2utt, 'data/train')
 */
export async function splitAliDir(dir: string, out: string, n: number, spk2utt: Map<string, string[]>, dataDir: string): Promise<AliInfo[]> {
  const model = await readAliDirModel(dir);
  const parts = speakerParts(spk2utt, n, dataDir);
  const partOf = new Map<string, number>();
  parts.forEach((ids, p) => ids.forEach((id) => partOf.set(id, p)));
  const notInData = (uttId: string, where: string) =>
    new InputError(`${where}: utterance ${uttId} is not in ${dataDir}; split with the data directory the alignment was made from`);
  const failed = parts.map(() => [] as AliInfo['failed']);
  for (const f of model.info.failed) {
    const p = partOf.get(f.uttId);
    if (p === undefined) throw notInData(f.uttId, path.join(dir, ALI_JSON_FILE));
    failed[p].push(f);
  }
  const partDir = (p: number) => path.join(out, String(p + 1));
  const batchFrames = Math.max(1, Math.floor(ALI_BATCH_FRAMES / parts.length));
  const writers: AliWriter[] = [];
  const counts: { numUtts: number; numFrames: number }[] = [];
  try {
    for (let p = 0; p < parts.length; p++) writers.push(await openAliWriter(path.join(partDir(p), ALI_ARROW_FILE), batchFrames));
    const file = path.join(dir, ALI_ARROW_FILE);
    for await (const a of sortedAlignments(dir)) {
      const p = partOf.get(a.uttId);
      if (p === undefined) throw notInData(a.uttId, file);
      checkAliAgainstModel(a, model.transitionModel, file);
      await writers[p].add(a);
    }
    for (const w of writers) counts.push(await w.close());
  } catch (e) {
    await Promise.all(writers.slice(counts.length).map((w) => w.abort()));
    throw e;
  }
  const infos: AliInfo[] = [];
  for (let p = 0; p < parts.length; p++) {
    const d = partDir(p);
    // Whole-corpus figures (avgLogLike, gmmStateAccuracy) do not hold for a part: left out.
    const info: AliInfo = {
      numPdfs: model.info.numPdfs,
      frameShiftMs: model.info.frameShiftMs,
      ...counts[p],
      failed: failed[p],
      source: `split-ali ${path.resolve(dir)} ${n} (part ${p + 1})`,
      ...(model.info.refine ? { refine: model.info.refine } : {}),
    };
    await writeTransitionModel(path.join(d, TRANSITION_MODEL_FILE), model.transitionModel);
    await copyLangDir(model.lang.dir, d);
    await writeFileAtomic(path.join(d, ALI_FAILED_FILE), failed[p].map((f) => `${f.uttId} ${f.reason}\n`).join(''));
    await writeFileAtomic(path.join(d, ALI_JSON_FILE), JSON.stringify(info, null, 1) + '\n');
    infos.push(info);
  }
  return infos;
}

// Split a feature directory into N parts by speaker, the parts split-data makes of a data
// directory (Kaldi's split_data.sh splits feats.scp and cmvn.scp with the rest of a data dir):
// per-job work on a cluster reads only its part. Streamed shard by shard: at most about
// `maxMemoryFrames` frames are held, spread over the parts' pending shards.
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { pathExists } from '../store/paths.js';
import { readFeatsInfo, shardFileName, streamFeatsShard, writeFeatsInfo, writeFeatsShard, type FeatsDirInfo, type UttFeats } from '../store/feats-archive.js';
import { speakerParts } from '../data/split-data.js';
import { CMVN_FILE, readCmvn, subsetCmvnStats, writeCmvn } from './cmvn.js';
import { BAD_UTTS_FILE, DEFAULT_SHARD_FRAMES } from './extract.js';

export interface SplitFeatsOptions {
  /**
   * Group the utterances as `split-data DATA N` groups this data directory's (its spk2utt), so
   * that part JOB holds the features of DATA/splitN/JOB; `dataDir` names it in errors. Default:
   * the speakers recorded in the archive itself.
   */
  spk2utt?: Map<string, string[]>;
  dataDir?: string;
  /** Frames held in memory over all parts before a part's shard is written (default 4M, as --max-memory-frames). */
  maxMemoryFrames?: number;
  /** At most this many frames per written shard (default DEFAULT_SHARD_FRAMES, as `features`). */
  shardFrames?: number;
}

/** The speaker -> utterances map of a feature archive (one pass over its shards). */
async function archiveSpk2utt(dir: string, info: FeatsDirInfo): Promise<Map<string, string[]>> {
  const spk2utt = new Map<string, string[]>();
  for (const shard of info.shards) {
    for await (const u of streamFeatsShard(path.join(dir, shard))) {
      const list = spk2utt.get(u.speakerId);
      if (list) list.push(u.uttId);
      else spk2utt.set(u.speakerId, [u.uttId]);
    }
  }
  return spk2utt;
}

/**
 * Write parts 1..n of feature directory `dir` into `out/1` ... `out/n`, each a complete feature
 * directory (feats.json, shards, and the part's cmvn.json stats and bad_utts lines when `dir` has
 * them). Every speaker's utterances go to one part, grouped as split-data groups them
 * (speakerParts). With `opts.spk2utt` (a data directory's), an utterance of the archive that the
 * data directory lacks is an error; utterances of the data directory without features are skipped.
 *
 * @example await splitFeatsDir('exp/feats/train', 'exp/feats/train/split4', 4)
 */
export async function splitFeatsDir(dir: string, out: string, n: number, opts: SplitFeatsOptions = {}): Promise<FeatsDirInfo[]> {
  const info = await readFeatsInfo(dir);
  const spk2utt = opts.spk2utt ?? (await archiveSpk2utt(dir, info));
  const parts = speakerParts(spk2utt, n, opts.spk2utt ? (opts.dataDir ?? 'the data directory') : dir);
  const partOf = new Map<string, number>();
  parts.forEach((ids, p) => ids.forEach((id) => partOf.set(id, p)));
  const maxMemoryFrames = opts.maxMemoryFrames ?? 4_000_000;
  if (!(maxMemoryFrames > 0)) throw new InputError(`--max-memory-frames ${maxMemoryFrames}: expected a positive number of frames`);
  // A part's pending utterances are written as a shard once they reach its share of the budget.
  const flushFrames = Math.max(1, Math.min(opts.shardFrames ?? DEFAULT_SHARD_FRAMES, Math.floor(maxMemoryFrames / parts.length)));
  const pending = parts.map(() => ({ utts: [] as UttFeats[], frames: 0 }));
  const written = parts.map(() => ({ shards: [] as string[], numUtts: 0, numFrames: 0 }));
  const partDir = (p: number) => path.join(out, String(p + 1));
  await Promise.all(parts.map((_, p) => fs.mkdir(partDir(p), { recursive: true })));
  const flush = async (p: number) => {
    const w = written[p];
    const name = shardFileName(w.shards.length + 1);
    await writeFeatsShard(path.join(partDir(p), name), pending[p].utts);
    w.shards.push(name);
    pending[p] = { utts: [], frames: 0 };
  };
  const seen = new Set<string>();
  for (const shard of info.shards) {
    const file = path.join(dir, shard);
    for await (const u of streamFeatsShard(file)) {
      if (seen.has(u.uttId)) throw new InputError(`${file}: utterance ${u.uttId} appears in more than one shard; re-run asr-distill features`);
      seen.add(u.uttId);
      const p = partOf.get(u.uttId);
      if (p === undefined) {
        throw new InputError(`${file}: utterance ${u.uttId} is not in ${opts.dataDir ?? 'the data directory'}; split with the data directory the features were made from`);
      }
      pending[p].utts.push(u);
      pending[p].frames += u.numFrames;
      written[p].numUtts++;
      written[p].numFrames += u.numFrames;
      if (pending[p].frames >= flushFrames) await flush(p);
    }
  }
  for (let p = 0; p < parts.length; p++) if (pending[p].utts.length > 0) await flush(p);

  const cmvn = (await pathExists(path.join(dir, CMVN_FILE))) ? await readCmvn(dir) : undefined;
  const badText = await fs.readFile(path.join(dir, BAD_UTTS_FILE), 'utf8').catch(() => undefined);
  const badLines = (badText ?? '').split('\n').filter((l) => l.trim() !== '');
  const { configHash: _hash, source: _source, ...common } = info;
  const infos: FeatsDirInfo[] = [];
  for (let p = 0; p < parts.length; p++) {
    const ids = new Set(parts[p]);
    if (cmvn) {
      // Per-speaker stats stay exact: no speaker is in two parts.
      const keys = cmvn.per === 'speaker' ? [...spk2utt].filter(([, utts]) => ids.has(utts[0]!)).map(([spk]) => spk) : parts[p];
      await writeCmvn(partDir(p), subsetCmvnStats(cmvn, keys));
    }
    if (badText !== undefined) {
      const mine = badLines.filter((l) => ids.has(l.split(/\s/)[0]!));
      await fs.writeFile(path.join(partDir(p), BAD_UTTS_FILE), mine.map((l) => l + '\n').join(''));
    }
    const partInfo = { ...common, ...written[p], source: `split-feats ${path.resolve(dir)} ${n} (part ${p + 1})` };
    await writeFeatsInfo(partDir(p), partInfo);
    infos.push({ ...partInfo, configHash: info.configHash });
  }
  return infos;
}

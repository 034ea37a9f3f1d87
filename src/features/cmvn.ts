// CMVN statistics on disk (FEATS_DIR/cmvn.json; later stages apply them on the fly), and operations
// on whole statistics files. The arithmetic (Kaldi compute-cmvn-stats, apply-cmvn) is in
// cmvn-stats.ts, which imports no Node module so that the web page can bundle it; re-exported here.
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { readJsonFile } from '../store/json-file.js';
import { writeFileAtomic } from '../store/atomic.js';
import { compareCLocale } from '../data/c-locale.js';
import { CmvnStatsBuilder, type CmvnAccumulator, type CmvnPer, type CmvnStats } from './cmvn-stats.js';
import { readFeatsInfo, streamFeatsDir, type FeatsDirInfo, type UttFeats } from '../store/feats-archive.js';
export { applyCmvn, CmvnStatsBuilder, computeCmvnStats, type CmvnAccumulator, type CmvnPer, type CmvnStats } from './cmvn-stats.js';

export const CMVN_FILE = 'cmvn.json';

/** Write FEATS_DIR/cmvn.json atomically. */
export async function writeCmvn(featsDir: string, cmvn: CmvnStats): Promise<void> {
  await writeFileAtomic(path.join(featsDir, CMVN_FILE), JSON.stringify(cmvn) + '\n');
}

/** Read and check FEATS_DIR/cmvn.json. */
export async function readCmvn(featsDir: string): Promise<CmvnStats> {
  const file = path.join(featsDir, CMVN_FILE);
  const cmvn = await readJsonFile<CmvnStats>(file, { missing: `${file} not found; run \`asr-distill compute-cmvn ${featsDir}\` first`, invalidHint: 're-run asr-distill compute-cmvn' });
  if ((cmvn.per !== 'utterance' && cmvn.per !== 'speaker') || typeof cmvn.dim !== 'number' || typeof cmvn.stats !== 'object' || cmvn.stats === null) {
    throw new InputError(`${file}: expected { per: "utterance"|"speaker", dim, stats }; re-run asr-distill compute-cmvn`);
  }
  for (const [key, s] of Object.entries(cmvn.stats)) {
    if (typeof s.count !== 'number' || s.sum?.length !== cmvn.dim || s.sumSq?.length !== cmvn.dim) {
      throw new InputError(`${file}: stats of ${key} do not have dim ${cmvn.dim}; re-run asr-distill compute-cmvn`);
    }
  }
  return cmvn;
}

/**
 * The statistics of several feature directories as one (combine-feats): CMVN statistics are sums,
 * so a speaker whose utterances are spread over several directories gets the sum of its parts,
 * exactly what compute-cmvn gives on the combined features. `sources` name the inputs in errors.
 */
export function mergeCmvnStats(parts: CmvnStats[], sources: string[]): CmvnStats {
  if (parts.length === 0) throw new Error('mergeCmvnStats: no statistics');
  const { per, dim } = parts[0];
  const sums = new Map<string, CmvnAccumulator>();
  parts.forEach((p, i) => {
    if (p.per !== per || p.dim !== dim) {
      throw new InputError(`${sources[i]}: cmvn.json has stats per ${p.per} of dim ${p.dim} but ${sources[0]} per ${per} of dim ${dim}; run compute-cmvn the same way on every directory`);
    }
    for (const [key, s] of Object.entries(p.stats)) {
      const a = sums.get(key);
      if (!a) sums.set(key, { count: s.count, sum: [...s.sum], sumSq: [...s.sumSq] });
      else {
        a.count += s.count;
        for (let d = 0; d < dim; d++) {
          a.sum[d] += s.sum[d];
          a.sumSq[d] += s.sumSq[d];
        }
      }
    }
  });
  const stats: Record<string, CmvnAccumulator> = {};
  for (const key of [...sums.keys()].sort(compareCLocale)) stats[key] = sums.get(key)!;
  return { per, dim, stats };
}

/** The statistics of the given speakers or utterances only (split-feats); keys without stats are skipped. */
export function subsetCmvnStats(cmvn: CmvnStats, keys: Iterable<string>): CmvnStats {
  const stats: Record<string, CmvnAccumulator> = {};
  for (const key of [...new Set(keys)].sort(compareCLocale)) if (cmvn.stats[key]) stats[key] = cmvn.stats[key];
  return { per: cmvn.per, dim: cmvn.dim, stats };
}


/**
 * compute-cmvn: the statistics of a feature directory, read record batch by record batch (one
 * batch of features in memory, whatever the corpus size), with the archive's checks.
 *
 * @example const { cmvn } = await computeCmvnStatsOfDir('exp/feats/train', 'speaker'); await writeCmvn('exp/feats/train', cmvn)
 */
export async function computeCmvnStatsOfDir(featsDir: string, per: CmvnPer): Promise<{ info: FeatsDirInfo; cmvn: CmvnStats }> {
  const info = await readFeatsInfo(featsDir);
  const builder = new CmvnStatsBuilder(per);
  for await (const { utt } of streamFeatsDir(info, featsDir)) builder.add(utt);
  return { info, cmvn: builder.stats() };
}

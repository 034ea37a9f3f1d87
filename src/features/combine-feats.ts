// Combine feature directories into one (Kaldi utils/combine_data.sh on feats.scp and cmvn.scp):
// the features of `features` runs on the parts of a split data directory (one run per cluster job,
// say) become one FEATS_DIR again. Shards are copied as they are (no re-encoding), after every
// utterance in them has been read and checked.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';
import { pathExists } from '../store/paths.js';
import { readFeatsInfo, shardFileName, streamFeatsShard, writeFeatsInfo, type FeatsDirInfo } from '../store/feats-archive.js';
import { CMVN_FILE, mergeCmvnStats, readCmvn, writeCmvn, type CmvnStats } from './cmvn.js';
import { BAD_UTTS_FILE } from './extract.js';
import { describeFeatureDifferences, diffFeatureConfigs } from './feature-match.js';

/** What combineFeatsDirs wrote. */
export interface CombinedFeats {
  info: FeatsDirInfo;
  /** cmvn.json was merged from the sources' (all of them had one). */
  cmvn: boolean;
  /** Files left out because only some sources have them, e.g. `cmvn.json (missing in feats/2)`. */
  dropped: string[];
}

/**
 * Refuse feature directories that cannot be one archive: another configuration (ditherSeed aside,
 * as checkFeatureMatch), dimension or frame shift than the first.
 */
export function checkSameFeatures(infos: FeatsDirInfo[], dirs: string[]): void {
  const first = infos[0];
  infos.forEach((info, i) => {
    const diffs = diffFeatureConfigs(first.config, info.config);
    if (diffs.length > 0) {
      throw new InputError(
        `${dirs[i]}: made with another feature configuration than ${dirs[0]} (${describeFeatureDifferences(diffs, dirs[0], dirs[i])}; configHash ${info.configHash} vs ${first.configHash}); ` +
          'combine only features extracted with the same config',
      );
    }
    if (info.dim !== first.dim || info.frameShiftMs !== first.frameShiftMs) {
      throw new InputError(`${dirs[i]}: dim ${info.dim}, frame shift ${info.frameShiftMs} ms but ${dirs[0]} has dim ${first.dim}, ${first.frameShiftMs} ms; combine only features of the same kind`);
    }
  });
}

/**
 * Write the union of the feature directories `dirs` into `out` (a new directory, usually the work
 * directory of withOutputDir): their shards renumbered `feats.1.arrow`, ... in the order given, a
 * feats.json with the totals, `bad_utts` concatenated, and cmvn.json merged when every source has
 * one (mergeCmvnStats). Refuses different feature configurations (checkSameFeatures), an utterance
 * in two sources, and a source whose shards disagree with its feats.json.
 *
 * @example await combineFeatsDirs('exp/feats/train', ['exp/feats/train.1', 'exp/feats/train.2'])
 */
export async function combineFeatsDirs(out: string, dirs: string[]): Promise<CombinedFeats> {
  if (dirs.length === 0) throw new InputError('give at least one feature directory to combine');
  const infos: FeatsDirInfo[] = [];
  for (const d of dirs) infos.push(await readFeatsInfo(d));
  checkSameFeatures(infos, dirs);
  await fs.mkdir(out, { recursive: true });
  // Which source holds each utterance: a duplicate is named with both places.
  const owner = new Map<string, number>();
  const shards: string[] = [];
  let numFrames = 0;
  for (let i = 0; i < dirs.length; i++) {
    let utts = 0;
    let frames = 0;
    for (const shard of infos[i].shards) {
      const file = path.join(dirs[i], shard);
      for await (const u of streamFeatsShard(file)) {
        if (u.dim !== infos[i].dim) throw new InputError(`${file}: utterance ${u.uttId} has dim ${u.dim} but feats.json says ${infos[i].dim}; re-run asr-distill features`);
        const before = owner.get(u.uttId);
        if (before !== undefined) {
          throw new InputError(
            `utterance ${u.uttId} is in both ${dirs[before]} and ${dirs[i]}; combine feature directories of disjoint utterances (the parts of split-data or split-feats)`,
          );
        }
        owner.set(u.uttId, i);
        utts++;
        frames += u.numFrames;
      }
      const name = shardFileName(shards.length + 1);
      await fs.copyFile(file, path.join(out, name));
      shards.push(name);
    }
    if (utts !== infos[i].numUtts || frames !== infos[i].numFrames) {
      throw new InputError(
        `${path.join(dirs[i], 'feats.json')}: says ${infos[i].numUtts} utterances / ${infos[i].numFrames} frames but the shards hold ${utts} / ${frames}; re-run asr-distill features`,
      );
    }
    numFrames += frames;
  }

  const dropped: string[] = [];
  const bad: string[] = [];
  const withBad: string[] = [];
  for (const d of dirs) {
    const text = await fs.readFile(path.join(d, BAD_UTTS_FILE), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    withBad.push(d);
    bad.push(...text.split('\n').filter((l) => l.trim() !== ''));
  }
  if (withBad.length > 0) await fs.writeFile(path.join(out, BAD_UTTS_FILE), bad.map((l) => l + '\n').join(''));

  const haveCmvn = await Promise.all(dirs.map((d) => pathExists(path.join(d, CMVN_FILE))));
  let cmvn = false;
  if (haveCmvn.every(Boolean)) {
    const stats: CmvnStats[] = [];
    for (const d of dirs) stats.push(await readCmvn(d));
    await writeCmvn(out, mergeCmvnStats(stats, dirs));
    cmvn = true;
  } else if (haveCmvn.some(Boolean)) {
    dropped.push(`${CMVN_FILE} (missing in ${dirs.filter((_, i) => !haveCmvn[i]).join(', ')}; run compute-cmvn on the result)`);
  }

  const info: FeatsDirInfo = {
    ...infos[0],
    numUtts: owner.size,
    numFrames,
    shards,
    source: `combine-feats ${dirs.map((d) => path.resolve(d)).join(' ')}`,
  };
  await writeFeatsInfo(out, info);
  return { info, cmvn, dropped };
}

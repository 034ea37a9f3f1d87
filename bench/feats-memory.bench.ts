// npm run bench -- feats-memory: peak RSS of the commands that read a feature archive (issue 25),
// each in a child process (process.resourceUsage().maxRSS: the process with its worker threads).
//  - compute-cmvn on a 10-hour archive (3.6M frames x 40 dims, 576 MB of float32, shards of 450k
//    frames): the whole archive in memory (readFeatsDir + computeCmvnStats, what compute-cmvn did
//    before) against the streamed computeCmvnStatsOfDir, whose statistics must be identical;
//  - the pass of decode --feats's main process over that archive (where each utterance is): every
//    utterance's features read and copied (streamFeatsDir, before) against the column-only pass
//    (streamFeatsIndex: utt_id, speaker_id, num_frames, dim and the feats offsets, no feature value);
//  - decode --feats with 2 jobs on the oracle model of test/decode/oracle-model.ts (one-hot
//    features of 67 pdfs) for 20000 utterances (1.76M frames, 470 MB, 40 shards), and on 500
//    utterances (the floor: Node, the decoder and two worker threads).
// ASR_DISTILL_BENCH_HOURS sets the CMVN archive's hours (default 10), ASR_DISTILL_BENCH_DECODE_UTTS
// the decoded utterances (default 20000).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultFbankConfig } from '../src/features/config.js';
import { readFeatsDir, shardFileName, writeFeatsDir, writeFeatsInfo, writeFeatsShard, type UttFeats } from '../src/store/feats-archive.js';
import { makeOracleSetup } from '../test/decode/oracle-model.js';
import { runChildBody as child } from './child-run.js';

/** A 40-dim archive of `hours` written shard by shard (900 utterances of 500 frames, 100 speakers). */
async function writeCmvnArchive(dir: string, hours: number): Promise<{ frames: number; shards: number }> {
  const dim = 40;
  const numUtts = Math.round((hours * 360_000) / 500);
  let seed = 1;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const shards: string[] = [];
  for (let first = 0; first < numUtts; first += 900) {
    const recs: UttFeats[] = [];
    for (let i = first; i < Math.min(numUtts, first + 900); i++) {
      const data = Float32Array.from({ length: 500 * dim }, (_, k) => rand() * 10 - 5 + (k % dim));
      recs.push({ uttId: `utt${String(i).padStart(7, '0')}`, speakerId: `spk${String(i % 100).padStart(3, '0')}`, numFrames: 500, dim, data });
    }
    shards.push(shardFileName(shards.length + 1));
    await writeFeatsShard(path.join(dir, shards[shards.length - 1]), recs);
  }
  await writeFeatsInfo(dir, { config: defaultFbankConfig(), dim, numUtts, numFrames: numUtts * 500, frameShiftMs: 10, shards });
  return { frames: numUtts * 500, shards: shards.length };
}

/** The oracle decoding setup with `n` utterances, its features re-written in shards of 500 utterances. */
async function oracleSetup(root: string, n: number): Promise<{ model: string; data: string; feats: string; frames: number }> {
  const s = await makeOracleSetup(root, { numUtts: n, speakers: 40 });
  const { info, utts } = await readFeatsDir(s.featsDir);
  const all = [...utts.values()];
  await fs.rm(s.featsDir, { recursive: true });
  await writeFeatsDir(s.featsDir, info.config, 10, Array.from({ length: Math.ceil(all.length / 500) }, (_, i) => all.slice(i * 500, (i + 1) * 500)));
  return { model: s.modelDir, data: s.dataDir, feats: s.featsDir, frames: info.numFrames };
}

const decodeBody = (o: { model: string; data: string; feats: string }, out: string) => `
const { decodeDataDir } = await import(src + 'decode/decode.ts');
const r = await decodeDataDir(${JSON.stringify(o.model)}, ${JSON.stringify(o.data)}, ${JSON.stringify(out)}, { featsDir: ${JSON.stringify(o.feats)}, jobs: 2, quiet: true });
globalThis.result = { utts: r.numUtts, frames: r.numFrames, wer: r.wer?.wer ?? null };`;

export async function run(): Promise<Record<string, unknown>> {
  const hours = Math.max(0.1, Number(process.env.ASR_DISTILL_BENCH_HOURS ?? 10) || 10);
  const decodeUtts = Math.max(100, Number(process.env.ASR_DISTILL_BENCH_DECODE_UTTS ?? 20000) || 20000);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-feats-memory-'));
  try {
    const out: Record<string, unknown> = { loadAverage: os.loadavg().map((x) => +x.toFixed(1)) };
    const feats = path.join(root, 'feats');
    out.cmvnArchive = { hours, ...(await writeCmvnArchive(feats, hours)) };
    const stats = (how: string) => `
const { createHash } = await import('node:crypto');
${how}
globalThis.result = { statsSha256: createHash('sha256').update(JSON.stringify(cmvn)).digest('hex').slice(0, 16) };`;
    const inMemory = await child(
      root,
      stats(`const { readFeatsDir } = await import(src + 'store/feats-archive.ts'); const { computeCmvnStats } = await import(src + 'features/cmvn.ts');
const { utts } = await readFeatsDir(${JSON.stringify(feats)}); const cmvn = computeCmvnStats(utts.values(), 'speaker');`),
    );
    const streamed = await child(root, stats(`const { computeCmvnStatsOfDir } = await import(src + 'features/cmvn.ts'); const { cmvn } = await computeCmvnStatsOfDir(${JSON.stringify(feats)}, 'speaker');`));
    out.computeCmvn = { inMemory, streamed, identical: inMemory.statsSha256 === streamed.statsSha256 };
    // decode --feats's main process only needs where each utterance is: every utterance with its
    // features (streamFeatsDir, what it did before) against the column-only pass (streamFeatsIndex).
    const where = (gen: string, id: string) => `
const fa = await import(src + 'store/feats-archive.ts');
const info = await fa.readFeatsInfo(${JSON.stringify(feats)});
const cpu0 = process.cpuUsage(); const t0 = performance.now();
const stored = new Map();
for await (const x of fa.${gen}(info, ${JSON.stringify(feats)})) stored.set(${id}, x.file);
const cpu = process.cpuUsage(cpu0);
globalThis.result = { utts: stored.size, cpuSec: +((cpu.user + cpu.system) / 1e6).toFixed(2), wallSec: +((performance.now() - t0) / 1000).toFixed(2) };`;
    out.decodeUttIndex = { allFeatures: await child(root, where('streamFeatsDir', 'x.utt.uttId')), columnOnly: await child(root, where('streamFeatsIndex', 'x.uttId')) };
    await fs.rm(feats, { recursive: true });

    const small = await oracleSetup(path.join(root, 'small'), 500);
    const big = await oracleSetup(path.join(root, 'big'), decodeUtts);
    out.decode = { floor500Utts: await child(root, decodeBody(small, path.join(root, 'out-small'))), streamed: await child(root, decodeBody(big, path.join(root, 'out-big'))) };
    out.loadAverageAfter = os.loadavg().map((x) => +x.toFixed(1));
    return out;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

// npm run bench -- gmm-memory: peak RSS of train-mono and align against the corpus size (issue 25),
// each run in a child process (process.resourceUsage().maxRSS: the process with its worker
// threads), with the GMM features in memory (one SharedArrayBuffer, --max-memory-frames above the
// corpus) and spilled to scratch files read utterance by utterance by the jobs (--max-memory-frames 1).
// The corpus is synthetic: K copies, under different utterance ids, of test/hmm/file-corpus.ts's
// 900-utterance corpus (40-dim frames from per-HMM-state Gaussians, transcripts, lang dir), combined
// (transcripts in one data dir, features with combine-feats: 2 shards per copy). train-mono runs 3 iterations
// (equal alignment, 2 realignments), 2 jobs; align 2 jobs, no state accuracy.
// ASR_DISTILL_BENCH_GMM_COPIES sets K for the large corpus (default 16, about 0.2 h); the small one is K/4.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDataDir, writeDataDir } from '../src/data/data-dir.js';
import { combineFeatsDirs } from '../src/features/combine-feats.js';
import { writeFileCorpus } from '../test/hmm/file-corpus.js';
import { runChildBody as child } from './child-run.js';

/** K copies of the file corpus combined into one data dir + feature dir; returns their paths and size. */
async function bigCorpus(root: string, copies: number): Promise<{ data: string; feats: string; lang: string; frames: number }> {
  const parts: { dataDir: string; featsDir: string; lang: string }[] = [];
  for (let k = 0; k < copies; k++) {
    const c = await writeFileCorpus(path.join(root, `part${k}`), 900, 5, { uttTag: `c${String(k).padStart(3, '0')}x` });
    parts.push({ dataDir: c.dataDir, featsDir: c.featsDir, lang: c.lang.dir });
  }
  const data = path.join(root, 'data');
  const feats = path.join(root, 'feats');
  // The transcripts only (the audio files were never written): readDataDir without file checks.
  const entries = [];
  for (const p of parts) for (const u of (await readDataDir(p.dataDir, { checkFiles: false })).utterances) entries.push({ uttId: u.uttId, speakerId: u.speakerId, wav: `wav/${u.uttId}.wav`, words: u.words });
  await writeDataDir(data, entries);
  await combineFeatsDirs(feats, parts.map((p) => p.featsDir));
  const info = JSON.parse(await fs.readFile(path.join(feats, 'feats.json'), 'utf8')) as { numFrames: number };
  for (const p of parts) await fs.rm(p.featsDir, { recursive: true });
  return { data, feats, lang: parts[0].lang, frames: info.numFrames };
}

export async function run(): Promise<Record<string, unknown>> {
  const large = Math.max(4, Number(process.env.ASR_DISTILL_BENCH_GMM_COPIES ?? 16) || 16);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-gmm-memory-'));
  try {
    const out: Record<string, unknown> = { loadAverageBefore: os.loadavg().map((x) => +x.toFixed(1)) };
    for (const copies of [Math.round(large / 4), large]) {
      const dir = path.join(root, `k${copies}`);
      const c = await bigCorpus(dir, copies);
      const row: Record<string, unknown> = { copies, frames: c.frames, hours: +(c.frames / 360_000).toFixed(3), gmmFeatsMB: Math.round((c.frames * 39 * 4) / 2 ** 20) };
      for (const [how, maxMemoryFrames] of [['inMemory', 1e9], ['spilled', 1]] as const) {
        const mono = path.join(dir, `mono-${how}`);
        row[`trainMono_${how}`] = await child(
          root,
          `const { trainMono } = await import(src + 'hmm/train-mono.ts');
const r = await trainMono(${JSON.stringify(c.data)}, ${JSON.stringify(c.feats)}, ${JSON.stringify(c.lang)}, ${JSON.stringify(mono)}, { iters: 3, totalGauss: 200, jobs: 2, quiet: true, maxMemoryFrames: ${maxMemoryFrames} });
globalThis.result = { avgLogLike: r.iterations.at(-1).avgLogLike };`,
        );
        row[`align_${how}`] = await child(
          root,
          `const { alignData } = await import(src + 'hmm/align.ts');
const r = await alignData(${JSON.stringify(c.data)}, ${JSON.stringify(c.feats)}, ${JSON.stringify(c.lang)}, ${JSON.stringify(mono)}, ${JSON.stringify(path.join(dir, `ali-${how}`))}, { jobs: 2, quiet: true, stateAccuracy: false, maxMemoryFrames: ${maxMemoryFrames} });
globalThis.result = { utts: r.numUtts, frames: r.numFrames };`,
        );
      }
      const same = async (n: string) => (await fs.readFile(path.join(dir, 'mono-inMemory', n))).equals(await fs.readFile(path.join(dir, 'mono-spilled', n)));
      const sameAli = (await fs.readFile(path.join(dir, 'ali-inMemory', 'ali.arrow'))).equals(await fs.readFile(path.join(dir, 'ali-spilled', 'ali.arrow')));
      row.identical = { gmm: await same('gmm.json'), transitions: await same('transition-model.json'), ali: sameAli };
      out[`k${copies}`] = row;
      await fs.rm(dir, { recursive: true });
    }
    out.loadAverageAfter = os.loadavg().map((x) => +x.toFixed(1));
    return out;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

// npm run bench -- kaldi-import-memory: `import-ali` of a gzipped Kaldi alignment archive that
// unpacks to more than 2 GiB (issue 25: "a shard larger than 2 GiB is never needed nor refused"),
// in a child process: peak RSS (process.resourceUsage().maxRSS) and CPU seconds. The archive is
// synthetic: binary int32 vectors (`ali-to-pdf ... ark:- | gzip`: 5 bytes a frame) of 2000 pdf
// ids each, written through zlib level 1 (repetitive, so the .gz is small). Before the streamed
// reader, import-ali read the .gz with fs.readFile and gunzipSync: the whole unpacked archive, and
// every alignment, in memory. The same import at 1/8 of the size shows whether RSS grows with it.
// ASR_DISTILL_BENCH_ALI_GIB sets the unpacked size in GiB (default 2.1).
import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { writeLangDir } from '../src/lang/lang-dir.js';
import { parseLexicon } from '../src/lang/lexicon.js';
import { encodeBinaryInt32Vector } from '../src/store/kaldi-archive.js';
import { runChildBody } from './child-run.js';

const FRAMES_PER_UTT = 2000;

/** A gzipped archive of `numUtts` utterances of FRAMES_PER_UTT pdf ids below `numPdfs`; returns its unpacked bytes. */
async function writeAliGz(file: string, numUtts: number, numPdfs: number): Promise<number> {
  const body = encodeBinaryInt32Vector(Int32Array.from({ length: FRAMES_PER_UTT }, (_, t) => Math.floor(t / 7) % numPdfs));
  let bytes = 0;
  async function* entries() {
    for (let i = 0; i < numUtts; i += 100) {
      const parts: Uint8Array[] = [];
      for (let k = i; k < Math.min(numUtts, i + 100); k++) parts.push(Buffer.from(`utt${String(k).padStart(8, '0')} `), body);
      const chunk = Buffer.concat(parts);
      bytes += chunk.length;
      yield chunk;
    }
  }
  await pipeline(entries, createGzip({ level: 1 }), createWriteStream(file));
  return bytes;
}

/** import-ali in a child node: its result, peak RSS, CPU and wall seconds. */
function importChild(root: string, gz: string, lang: string, out: string): Promise<Record<string, unknown>> {
  return runChildBody(
    root,
    `const { importAlignments } = await import(src + 'hmm/ali-import.ts');
const r = await importAlignments('kaldi', ${JSON.stringify(gz)}, ${JSON.stringify(lang)}, ${JSON.stringify(out)});
globalThis.result = { numUtts: r.numUtts, failed: r.failed.length };`,
  );
}

export async function run(): Promise<Record<string, unknown>> {
  const gib = Math.max(0.01, Number(process.env.ASR_DISTILL_BENCH_ALI_GIB ?? 2.1) || 2.1);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-kaldi-import-'));
  try {
    const lang = path.join(root, 'lang');
    await writeLangDir(lang, { lexicon: parseLexicon('one W AH N\ntwo T UW\nnine N AY N\n', 'bench lexicon'), oovWord: '<unk>' });
    const numPdfs = 3 * 6; // ids below the pdfs of the default topology over this lang (3 states for each of W AH N T UW AY, and more for silence)
    const out: Record<string, unknown> = { loadAverage: os.loadavg().map((x) => +x.toFixed(1)) };
    const uttBytes = 12 + 7 + 5 * FRAMES_PER_UTT;
    for (const [name, size] of [['eighth', gib / 8], ['full', gib]] as const) {
      const gz = path.join(root, `${name}.ali.gz`);
      const numUtts = Math.ceil((size * 2 ** 30) / uttBytes);
      const unpackedBytes = await writeAliGz(gz, numUtts, numPdfs);
      const dir = path.join(root, `ali-${name}`);
      const r = await importChild(root, gz, lang, dir);
      const arrowBytes = (await fs.stat(path.join(dir, 'ali.arrow'))).size;
      out[name] = { unpackedGiB: +(unpackedBytes / 2 ** 30).toFixed(3), gzMB: +((await fs.stat(gz)).size / 2 ** 20).toFixed(1), frames: numUtts * FRAMES_PER_UTT, aliArrowGiB: +(arrowBytes / 2 ** 30).toFixed(3), ...r };
      await fs.rm(dir, { recursive: true });
      await fs.rm(gz);
    }
    return out;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

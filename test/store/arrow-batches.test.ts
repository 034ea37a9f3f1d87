import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { openArrowFileWriter, readArrowBatches, readArrowColumns } from '../../src/store/arrow-batches.js';
import { encodeFeatsShard, streamFeatsShard, readFeatsShard, type UttFeats } from '../../src/store/feats-archive.js';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'arrow-batches-'));
}

test('readArrowBatches yields the record batches of a file one at a time, through a file handle', async () => {
  const dir = await tmpDir();
  const file = path.join(dir, 'x.arrow');
  const a = tableFromArrays({ v: Int32Array.of(1, 2, 3) });
  const b = tableFromArrays({ v: Int32Array.of(4, 5) });
  await fs.writeFile(file, tableToIPC(new Table([...a.batches, ...b.batches]), 'file'));
  const seen: number[][] = [];
  for await (const batch of readArrowBatches(file, 'test archive', 'make it again')) seen.push(Array.from(batch.getChild('v')!.toArray() as Int32Array));
  assert.deepEqual(seen, [[1, 2, 3], [4, 5]]);
  await fs.writeFile(path.join(dir, 'bad.arrow'), 'not arrow at all');
  await assert.rejects(async () => {
    for await (const _ of readArrowBatches(path.join(dir, 'bad.arrow'), 'test archive', 'make it again')) void _;
  }, (e: unknown) => (e as Error).name === 'InputError' && /bad\.arrow: not a readable Arrow test archive \(.*\); make it again$/.test((e as Error).message));
  await fs.rm(dir, { recursive: true });
});

test('a feature shard of several record batches (as other Arrow writers make them) streams utterance by utterance', async () => {
  const dir = await tmpDir();
  const utts: UttFeats[] = [0, 1, 2].map((i) => ({ uttId: `u${i}`, speakerId: 's', numFrames: i + 1, dim: 2, data: Float32Array.from({ length: 2 * (i + 1) }, (_, j) => i + j / 10) }));
  const batches = utts.flatMap((u) => tableFromIPC(encodeFeatsShard([u])).batches);
  const file = path.join(dir, 'feats.1.arrow');
  await fs.writeFile(file, tableToIPC(new Table(batches), 'file'));
  const got: UttFeats[] = [];
  for await (const u of streamFeatsShard(file)) got.push(u);
  assert.deepEqual(got, utts);
  assert.deepEqual(await readFeatsShard(file), utts);
  await fs.rm(dir, { recursive: true });
});

test('openArrowFileWriter appends pieces as record batches: the bytes tableToIPC writes, the file only on close', async () => {
  const dir = await tmpDir();
  const file = path.join(dir, 'x.arrow');
  const a = tableFromArrays({ v: Int32Array.of(1, 2, 3) });
  const b = tableFromArrays({ v: Int32Array.of(4, 5) });
  const w = await openArrowFileWriter(file);
  await w.append(tableToIPC(a, 'file'));
  // Each append moves its bytes to the temp file before it returns (nothing piles up in the writer's queue).
  const tmpSize = async () => (await fs.stat(path.join(dir, (await fs.readdir(dir)).find((x) => x.startsWith('.tmp'))!))).size;
  const afterA = await tmpSize();
  assert.ok(afterA >= a.getChild('v')!.length * 4 + 8, `the first piece is on disk after append (${afterA} bytes)`);
  await w.append(tableToIPC(b, 'stream'));
  assert.ok((await tmpSize()) > afterA, 'the second piece too');
  assert.deepEqual(await fs.readdir(dir).then((f) => f.filter((x) => x === 'x.arrow')), [], 'not there before close()');
  await w.close();
  assert.deepEqual(await fs.readFile(file), Buffer.from(tableToIPC(new Table([...a.batches, ...b.batches]), 'file')));
  assert.deepEqual(await fs.readdir(dir), ['x.arrow'], 'no temp file left');
  // abort() leaves nothing; close() without a piece refuses.
  const aborted = await openArrowFileWriter(path.join(dir, 'y.arrow'));
  await aborted.append(tableToIPC(a, 'file'));
  await aborted.abort();
  const empty = await openArrowFileWriter(path.join(dir, 'z.arrow'));
  await assert.rejects(empty.close(), /nothing appended, no schema to write/);
  assert.deepEqual(await fs.readdir(dir), ['x.arrow']);
  await fs.rm(dir, { recursive: true });
});

test('readArrowColumns reads only the wanted columns of each record batch (a list column: its offsets), and refuses what it cannot read', async () => {
  const dir = await tmpDir();
  const utts: UttFeats[] = [0, 1, 2].map((i) => ({ uttId: `u${i}é`, speakerId: 's', numFrames: i + 1, dim: 2, data: Float32Array.from({ length: 2 * (i + 1) }, (_, j) => i + j / 10) }));
  // Two record batches, as other Arrow writers may make them.
  const batches = [utts.slice(0, 2), utts.slice(2)].flatMap((g) => tableFromIPC(encodeFeatsShard(g)).batches);
  const file = path.join(dir, 'feats.1.arrow');
  await fs.writeFile(file, tableToIPC(new Table(batches), 'file'));
  const got: unknown[] = [];
  for await (const b of readArrowColumns(file, ['num_frames', 'utt_id', 'feats'], 'feature shard', 'make it again')) got.push({ numRows: b.numRows, ...Object.fromEntries(b.columns) });
  assert.deepEqual(got, [
    { numRows: 2, num_frames: { kind: 'int32', values: Int32Array.of(1, 2) }, utt_id: { kind: 'utf8', values: ['u0é', 'u1é'] }, feats: { kind: 'list-offsets', offsets: Int32Array.of(0, 2, 6) } },
    { numRows: 1, num_frames: { kind: 'int32', values: Int32Array.of(3) }, utt_id: { kind: 'utf8', values: ['u2é'] }, feats: { kind: 'list-offsets', offsets: Int32Array.of(0, 6) } },
  ]);
  const drain = async (f: string, names: string[]): Promise<void> => {
    for await (const _ of readArrowColumns(f, names, 'feature shard', 'make it again')) void _;
  };
  await assert.rejects(drain(file, ['nope']), { name: 'InputError', message: `${file}: not a readable Arrow feature shard (missing column(s) nope); make it again` });
  await fs.writeFile(path.join(dir, 'bad.arrow'), 'not arrow at all, but long enough');
  await assert.rejects(drain(path.join(dir, 'bad.arrow'), ['v']), { name: 'InputError', message: `${path.join(dir, 'bad.arrow')}: not a readable Arrow feature shard (no ARROW1 trailer: not an Arrow IPC file); make it again` });
  const floats = path.join(dir, 'f.arrow');
  await fs.writeFile(floats, tableToIPC(tableFromArrays({ v: Float32Array.of(1) }), 'file'));
  await assert.rejects(drain(floats, ['v']), { name: 'InputError', message: `${floats}: not a readable Arrow feature shard (column v is Float32, not int32); make it again` });
  await fs.rm(dir, { recursive: true });
});

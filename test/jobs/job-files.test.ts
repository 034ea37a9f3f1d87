import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyFileWrites,
  BlobTable,
  changedRanges,
  deserialize,
  externalize,
  internalize,
  loadBlobs,
  readFileRanges,
  readWholeFile,
  serialize,
  sharedWrites,
  specHash,
  type JobResultFile,
  type JobSpecFile,
} from '../../src/jobs/job-files.js';
import { siblingModuleUrl } from '../../src/jobs/module-url.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'job-files-'));

test('externalize/internalize: large and shared buffers become blob files, once each; the rest stays inline', async () => {
  const dir = tmp();
  try {
    const big = new Float32Array(300_000).map((_, i) => Math.sin(i));
    const shared = new Int32Array(new SharedArrayBuffer(16));
    const small = Float64Array.of(1.5, -2);
    const input = { a: big.subarray(10, 20), b: big, s: shared, small, m: new Map([['k', { small }]]), set: new Set([3]), d: new Date(0) };
    const table = new BlobTable(dir);
    const ext = await externalize(input, table);
    assert.equal(table.refs.length, 2, 'big (viewed twice) and the shared buffer');
    assert.deepEqual(ext.blobs, [0, 1]);
    assert.deepEqual(table.refs.map((r) => [r.byteLength, r.shared]), [[1_200_000, false], [16, true]]);
    assert.ok(table.refs.every((r) => existsSync(r.file)));
    // A second value using only the shared buffer numbers it 0 and maps it to table entry 1.
    assert.deepEqual((await externalize({ s: shared }, table)).blobs, [1]);

    const { buffers, before } = await loadBlobs(table.refs);
    const back = internalize(deserialize(serialize(ext.value)), buffers) as typeof input;
    assert.deepEqual(back.a, big.subarray(10, 20));
    assert.equal(back.a.buffer, back.b.buffer, 'two views on one buffer stay on one buffer');
    assert.deepEqual(back.b, big);
    assert.ok(back.s.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(back.m.get('k')!.small, small);
    assert.deepEqual([...back.set], [3]);
    assert.deepEqual(back.d, new Date(0));

    back.s[2] = 7;
    const writes = sharedWrites(buffers, before);
    assert.deepEqual(writes.map((w) => [w.blob, w.offset, w.bytes.length]), [[1, 8, 1]]);
    table.applyWrites(writes, ext.blobs);
    assert.deepEqual([...shared], [0, 0, 7, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('externalize refuses what structured clone refuses when serialised', async () => {
  const dir = tmp();
  try {
    const ext = await externalize({ f: () => 1 }, new BlobTable(dir));
    assert.throws(() => serialize(ext.value), /could not be cloned/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readWholeFile reads a file piece by piece (no readFile ceiling), into a given buffer when it has the size; loadBlobs fills the blobs this way', async () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'blob.bin');
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) % 251);
    writeFileSync(file, bytes);
    assert.deepEqual(await readWholeFile(file, 'x', undefined, 64), bytes);
    const into = new Uint8Array(new SharedArrayBuffer(1000));
    assert.equal(await readWholeFile(file, 'x', into, 7), into);
    assert.deepEqual(new Uint8Array(into), bytes);
    await assert.rejects(readWholeFile(file, 'job input', new Uint8Array(999)), { message: `job input: ${file} has 1000 bytes, expected 999 (removed or rewritten while the job was queued?)` });
    const { buffers, before } = await loadBlobs([{ file, byteLength: 1000, shared: true, sha256: '' }]);
    assert.ok(buffers[0] instanceof SharedArrayBuffer);
    assert.deepEqual(new Uint8Array(buffers[0]), bytes);
    new Uint8Array(buffers[0])[3] = 0; // `before` is a copy to diff the job's writes against
    assert.equal(before[0]![3], bytes[3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('changedRanges finds the changed bytes and merges close runs', () => {
  const a = new Uint8Array(300);
  const b = a.slice();
  b[5] = 1;
  b[10] = 2;
  b[200] = 3;
  assert.deepEqual(changedRanges(a, b), [{ offset: 5, end: 11 }, { offset: 200, end: 201 }]);
  assert.deepEqual(changedRanges(a, b, 2), [{ offset: 5, end: 6 }, { offset: 10, end: 11 }, { offset: 200, end: 201 }]);
  assert.deepEqual(changedRanges(a, a.slice()), []);
});

test('specHash changes with the input bytes, the blobs and the outputs', () => {
  const blob = { file: '/x', byteLength: 1, shared: false, sha256: 'aa' };
  const h = specHash('m', 'f', Uint8Array.of(1), [blob], []);
  assert.equal(specHash('m', 'f', Uint8Array.of(1), [blob], []), h);
  assert.notEqual(specHash('m', 'f', Uint8Array.of(2), [blob], []), h);
  assert.notEqual(specHash('m', 'f', Uint8Array.of(1), [{ ...blob, sha256: 'bb' }], []), h);
  assert.notEqual(specHash('m', 'f', Uint8Array.of(1), [blob], ['/out']), h);
  assert.notEqual(specHash('m', 'g', Uint8Array.of(1), [blob], []), h);
  assert.equal(specHash('m', 'f', Uint8Array.of(1), [blob], [], []), h, 'no in-place ranges: the hash of before they existed');
  assert.notEqual(specHash('m', 'f', Uint8Array.of(1), [blob], [], [{ file: '/t', offset: 0, length: 4 }]), h);
});

test('readFileRanges keeps the bytes a job wrote in place; applyFileWrites puts them back into a file made afresh', async () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'tids.bin');
    writeFileSync(file, Uint8Array.from({ length: 16 }, (_, i) => i));
    const kept = await readFileRanges([
      { file, offset: 2, length: 3 },
      { file, offset: 10, length: 2 },
    ]);
    assert.deepEqual(kept.map((w) => [w.offset, [...w.bytes]]), [[2, [2, 3, 4]], [10, [10, 11]]]);
    writeFileSync(file, new Uint8Array(16));
    await applyFileWrites(kept);
    assert.deepEqual([...readFileSync(file)], [0, 0, 2, 3, 4, 0, 0, 0, 0, 0, 10, 11, 0, 0, 0, 0]);
    await assert.rejects(readFileRanges([{ file, offset: 14, length: 4 }]), /ends before byte 18/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('job-entry runs a spec file as a worker would: result file, progress lines, shared writes, exit status', async () => {
  const dir = tmp();
  try {
    const mod = siblingModuleUrl(new URL('./x.ts', import.meta.url).href, 'echo-job');
    const entry = fileURLToPath(siblingModuleUrl(new URL('../../src/jobs/x.ts', import.meta.url).href, 'job-entry'));
    const table = new BlobTable(dir);
    const out = new Int32Array(new SharedArrayBuffer(8));
    const run = async (name: string, fn: string, input: unknown, writesInPlace: JobSpecFile['writesInPlace'] = undefined) => {
      const ext = await externalize(input, table);
      const bytes = serialize(ext.value);
      const blobs = ext.blobs.map((g) => table.refs[g]);
      const f = (s: string) => path.join(dir, `${name}.${s}`);
      const spec: JobSpecFile = { name, module: mod, fn, hash: specHash(mod, fn, bytes, blobs, []), input: f('input.v8'), blobs, result: f('result.v8'), progress: f('progress.jsonl'), log: f('log'), outputs: [], ...(writesInPlace ? { writesInPlace } : {}) };
      writeFileSync(spec.input, bytes);
      writeFileSync(f('json'), JSON.stringify(spec));
      const p = spawnSync(process.execPath, ['--import', 'tsx', entry, f('json')], { encoding: 'utf8' });
      const result = deserialize(readFileSync(spec.result)) as JobResultFile;
      assert.equal(result.hash, spec.hash);
      return { status: p.status, stdout: p.stdout, stderr: p.stderr, result, progress: existsSync(spec.progress) ? readFileSync(spec.progress, 'utf8') : '', used: ext.blobs };
    };
    const sq = await run('sq', 'square', { x: 5 });
    assert.equal(sq.status, 0, sq.stderr);
    assert.deepEqual(sq.result.result, { ok: true, value: 25 });
    assert.equal(sq.progress, '{"step":"half","x":5}\n');
    assert.match(sq.stdout, /^# sq: square of .*echo-job\.ts on .*\n# sq: done in \d+\.\d s\n$/);

    const w = await run('w', 'writeShared', { out, at: 1, value: 42, big: Float32Array.of(0, 0.25) });
    assert.equal(w.status, 0, w.stderr);
    assert.deepEqual(w.result.result, { ok: true, value: 0.25 });
    table.applyWrites(w.result.writes, w.used);
    assert.deepEqual([...out], [0, 42]);

    // In-place writes come back in the result (for a reused job); a file replaced meanwhile fails the job.
    const tids = path.join(dir, 'tids.bin');
    writeFileSync(tids, new Uint8Array(8));
    const ip = await run('ip', 'writeInPlace', { file: tids, offset: 2, bytes: Uint8Array.of(7, 8, 9) }, [{ file: tids, offset: 1, length: 4 }]);
    assert.equal(ip.status, 0, ip.stderr);
    assert.deepEqual(ip.result.fileWrites?.map((x) => [x.file, x.offset, [...x.bytes]]), [[tids, 1, [0, 7, 8, 9]]]);
    const gone = await run('gone', 'writeInPlace', { file: tids, offset: 2, bytes: Uint8Array.of(1), replace: true }, [{ file: tids, offset: 2, length: 1 }]);
    assert.equal(gone.status, 1);
    assert.match(!gone.result.result.ok ? gone.result.result.error.message : '', /tids\.bin was replaced while job gone ran/);
    assert.equal(gone.result.fileWrites, undefined);

    const bad = await run('bad', 'failInput', { utt: 'u9' });
    assert.equal(bad.status, 1);
    assert.equal(bad.result.result.ok, false);
    assert.deepEqual(!bad.result.result.ok && [bad.result.result.error.name, bad.result.result.error.message], ['InputError', 'utt u9: bad audio']);
    assert.match(bad.stderr, /# bad: failed after .*utt u9: bad audio/s);

    const noSpec = spawnSync(process.execPath, ['--import', 'tsx', entry], { encoding: 'utf8' });
    assert.equal(noSpec.status, 2);
    assert.match(noSpec.stderr, /usage: node job-entry\.js SPEC\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { produceAtomic, tempPathFor, writeFileAtomic, writeFileAtomicWith } from '../../src/store/atomic.js';

async function tmpdir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'asr-atomic-'));
}

test('tempPathFor stays in the same directory', () => {
  const t = tempPathFor('/a/b/feats.1.arrow');
  assert.equal(path.dirname(t), '/a/b');
  assert.match(path.basename(t), /^\.tmp-\d+-[a-z0-9]+-feats\.1\.arrow$/);
});

test('writeFileAtomic writes the whole file and leaves no temp file', async () => {
  const dir = await tmpdir();
  const f = path.join(dir, 'sub', 'x.txt');
  await writeFileAtomic(f, 'hello');
  await writeFileAtomic(f, new Uint8Array([104, 105]));
  assert.equal(await fs.readFile(f, 'utf8'), 'hi');
  assert.deepEqual(await fs.readdir(path.join(dir, 'sub')), ['x.txt']);
});

test('writeFileAtomic writes chunks of an async iterable one after the other', async () => {
  const dir = await tmpdir();
  const f = path.join(dir, 'x.bin');
  async function* chunks() {
    yield new Uint8Array([1, 2]);
    yield new Uint8Array(0);
    yield new Uint8Array([3]);
  }
  await writeFileAtomic(f, chunks());
  assert.deepEqual([...(await fs.readFile(f))], [1, 2, 3]);
  assert.deepEqual(await fs.readdir(dir), ['x.bin']);
});

test('writeFileAtomicWith: positional writes through the handle; a throw leaves the old file and no temp file', async () => {
  const dir = await tmpdir();
  const f = path.join(dir, 'x.bin');
  await writeFileAtomicWith(f, async (fh) => {
    await fh.write(new Uint8Array([3, 4]), 0, 2, 2); // out of order, as export-feats places utterances
    await fh.write(new Uint8Array([1, 2]), 0, 2, 0);
  });
  assert.deepEqual([...(await fs.readFile(f))], [1, 2, 3, 4]);
  await assert.rejects(
    writeFileAtomicWith(f, async (fh) => {
      await fh.write(new Uint8Array([9]), 0, 1, 0);
      throw new Error('boom');
    }),
    { message: 'boom' },
  );
  assert.deepEqual([...(await fs.readFile(f))], [1, 2, 3, 4]);
  assert.deepEqual(await fs.readdir(dir), ['x.bin']);
});

test('produceAtomic replaces only on success and keeps the old output on failure', async () => {
  const dir = await tmpdir();
  const out = path.join(dir, 'model');
  await produceAtomic(out, async (tmp) => {
    await fs.mkdir(tmp);
    await fs.writeFile(path.join(tmp, 'a'), '1');
  });
  await assert.rejects(
    produceAtomic(out, async (tmp) => {
      await fs.mkdir(tmp);
      await fs.writeFile(path.join(tmp, 'a'), '2');
      throw new Error('killed');
    }),
    /killed/,
  );
  assert.equal(await fs.readFile(path.join(out, 'a'), 'utf8'), '1');
  assert.deepEqual(await fs.readdir(dir), ['model']);
});

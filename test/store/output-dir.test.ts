import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  OUTPUT_MARKER,
  addDerivedFiles,
  outputPathOf,
  outputSidePaths,
  readOutputMarker,
  withOutputDir,
  type OutputMarker,
} from '../../src/store/output-dir.js';
import { snapshotDir } from './snapshot.js';

async function tmpdir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'asr-outdir-'));
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
}

/** Every file below `dir` with its text, the marker left out. */
function snapshot(dir: string): Promise<Record<string, string>> {
  return snapshotDir(dir, { encoding: 'utf8', marker: false });
}

test('the output appears whole at the end, with a marker naming the command and its entries', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'feats');
  const result = await withOutputDir(out, { command: 'features' }, async (work) => {
    assert.equal(work, path.join(parent, '.feats.partial'));
    await assert.rejects(fs.stat(out), /ENOENT/); // nothing at OUT while it runs
    assert.deepEqual(await fs.readdir(parent), ['.feats.lock', '.feats.partial'].sort());
    await writeFiles(work, { 'feats.json': '{}', 'feats.1.arrow': 'a', 'sub/x': 'y' });
    return 42;
  });
  assert.equal(result, 42);
  assert.deepEqual(await fs.readdir(parent), ['feats']);
  const marker = (await readOutputMarker(out)) as OutputMarker;
  assert.equal(marker.command, 'features');
  assert.equal(marker.complete, true);
  assert.deepEqual(marker.entries, ['feats.1.arrow', 'feats.json', 'sub']);
  assert.deepEqual(await snapshot(out), { 'feats.1.arrow': 'a', 'feats.json': '{}', 'sub/x': 'y' });
});

test('make-corpus refuses a non-empty foreign directory and leaves it as it was', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'mine');
  await writeFiles(out, { 'thesis.tex': 'years of work', 'data/a.wav': 'RIFF' });
  let ran = false;
  await assert.rejects(
    withOutputDir(out, { command: 'make-corpus' }, async () => {
      ran = true;
    }),
    {
      name: 'InputError',
      message: `output directory ${out} is not empty (2 entries) and was not written by asr-distill make-corpus (no ${OUTPUT_MARKER}); choose another directory, or pass --overwrite to replace it with everything in it`,
    },
  );
  assert.equal(ran, false);
  assert.deepEqual(await snapshot(out), { 'data/a.wav': 'RIFF', 'thesis.tex': 'years of work' });
  assert.deepEqual((await fs.readdir(parent)).sort(), ['mine'], 'no work directory or lock is left');
  // --overwrite replaces it whole.
  await withOutputDir(out, { command: 'make-corpus', overwrite: true }, (w) => writeFiles(w, { 'corpus.json': '{}' }));
  assert.deepEqual(await snapshot(out), { 'corpus.json': '{}' });
});

test('the output of another command is refused, an empty directory is used', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'x');
  await withOutputDir(out, { command: 'features' }, (w) => writeFiles(w, { 'feats.json': '{}' }));
  await assert.rejects(withOutputDir(out, { command: 'train' }, async () => undefined), {
    message: `output directory ${out} holds the output of 'asr-distill features'; choose another directory, or pass --overwrite to replace it with everything in it`,
  });
  const empty = path.join(parent, 'empty');
  await fs.mkdir(empty);
  await withOutputDir(empty, { command: 'train' }, (w) => writeFiles(w, { 'model.json': '{}' }));
  assert.deepEqual(await snapshot(empty), { 'model.json': '{}' });
});

test('output path that is a file gives a clear error', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'out');
  await fs.writeFile(out, 'a file');
  await assert.rejects(withOutputDir(out, { command: 'decode' }, async () => undefined), {
    name: 'InputError',
    message: `output directory ${out} exists and is a file; choose another path (or remove the file)`,
  });
  await assert.rejects(withOutputDir(path.join(out, 'sub'), { command: 'decode' }, async () => undefined), /is a file, not a directory/);
  assert.equal(await fs.readFile(out, 'utf8'), 'a file');
});

test('a failed rerun keeps the old output; the next run replaces it and drops files it no longer writes', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'decode');
  await withOutputDir(out, { command: 'decode' }, (w) => writeFiles(w, { 'hyp.txt': 'old', 'scoring/hyp_0.1.txt': 'old sweep' }));
  await assert.rejects(
    withOutputDir(out, { command: 'decode' }, async (w) => {
      await writeFiles(w, { 'hyp.txt': 'half' });
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.deepEqual(await snapshot(out), { 'hyp.txt': 'old', 'scoring/hyp_0.1.txt': 'old sweep' });
  assert.deepEqual(await snapshot(path.join(parent, '.decode.partial')), { 'hyp.txt': 'half' }, 'the failed run is kept beside for inspection');
  await withOutputDir(out, { command: 'decode' }, (w) => writeFiles(w, { 'hyp.txt': 'new' }));
  assert.deepEqual(await snapshot(out), { 'hyp.txt': 'new' });
  assert.deepEqual(await fs.readdir(parent), ['decode']);
});

test('files other tools put into an earlier output are carried over; derived files are dropped', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'feats');
  await withOutputDir(out, { command: 'features' }, (w) => writeFiles(w, { 'feats.json': 'v1' }));
  await addDerivedFiles(out, 'compute-cmvn', ['cmvn.json'], (d) => writeFiles(d, { 'cmvn.json': 'stats of v1' }));
  await writeFiles(out, { 'notes.txt': 'mine', 'decode_test/hyp.txt': 'nested' });
  const marker = (await readOutputMarker(out)) as OutputMarker;
  assert.deepEqual(marker.derived, { 'cmvn.json': 'compute-cmvn' });
  await withOutputDir(out, { command: 'features' }, (w) => writeFiles(w, { 'feats.json': 'v2' }));
  assert.deepEqual(await snapshot(out), { 'decode_test/hyp.txt': 'nested', 'feats.json': 'v2', 'notes.txt': 'mine' });
  assert.deepEqual((await readOutputMarker(out))!.entries, ['feats.json']);
});

test('resumable: a failed run\'s work is continued; continueEarlier starts from the earlier output', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'ens');
  await assert.rejects(
    withOutputDir(out, { command: 'ensemble', resumable: true }, async (w) => {
      await writeFiles(w, { 'member-01/model.json': 'm1' });
      throw new Error('killed');
    }),
  );
  await withOutputDir(out, { command: 'ensemble', resumable: true }, async (w) => {
    assert.deepEqual(await snapshot(w), { 'member-01/model.json': 'm1' });
    await writeFiles(w, { 'member-02/model.json': 'm2' });
  });
  await withOutputDir(out, { command: 'ensemble', resumable: true, continueEarlier: true }, async (w) => {
    assert.deepEqual(await snapshot(w), { 'member-01/model.json': 'm1', 'member-02/model.json': 'm2' });
    await writeFiles(w, { 'ensemble.json': '{}' });
  });
  assert.deepEqual(Object.keys(await snapshot(out)), ['ensemble.json', 'member-01/model.json', 'member-02/model.json']);
  // Not resumable (or --overwrite): a failed run's work is discarded.
  await assert.rejects(withOutputDir(out, { command: 'ensemble', resumable: true }, (w) => writeFiles(w, { stale: 'x' }).then(() => Promise.reject(new Error('x')))));
  await withOutputDir(out, { command: 'ensemble', resumable: true, overwrite: true }, async (w) => assert.deepEqual(await snapshot(w), {}));
});

test('a swap killed half-way is completed by the next run, which loses nothing', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'ali');
  const side = outputSidePaths(out);
  await withOutputDir(out, { command: 'align' }, (w) => writeFiles(w, { 'ali.json': 'v1' }));
  await writeFiles(out, { 'notes.txt': 'mine' });
  // Killed after the old output was moved aside and before the new one was moved in.
  await withOutputDir(path.join(parent, 'other'), { command: 'align' }, (w) => writeFiles(w, { 'ali.json': 'v2' }));
  await fs.rename(out, side.old);
  await fs.rename(path.join(parent, 'other'), side.work);
  await withOutputDir(out, { command: 'align' }, async (w) => {
    assert.deepEqual(await snapshot(out), { 'ali.json': 'v2', 'notes.txt': 'mine' }, 'the completed run is swapped in, foreign files carried over');
    await writeFiles(w, { 'ali.json': 'v3' });
  });
  assert.deepEqual(await snapshot(out), { 'ali.json': 'v3', 'notes.txt': 'mine' });
  // Killed with the new output incomplete: the old one comes back.
  await fs.rename(out, side.old);
  await fs.mkdir(side.work);
  await fs.writeFile(path.join(side.work, OUTPUT_MARKER), JSON.stringify({ command: 'align', complete: false, entries: [], derived: {} }));
  await withOutputDir(out, { command: 'align' }, async (w) => {
    assert.deepEqual(await snapshot(out), { 'ali.json': 'v3', 'notes.txt': 'mine' });
    await writeFiles(w, { 'ali.json': 'v4' });
  });
  assert.deepEqual(await fs.readdir(parent), ['ali']);
});

test('outputPathOf names the directory a work directory becomes', () => {
  assert.equal(outputPathOf('/exp/.student.partial'), '/exp/student');
  assert.equal(outputPathOf('/exp/student'), '/exp/student');
  assert.throws(() => outputSidePaths('/'), /root directory/);
});

test('addDerivedFiles: a directory without a marker gets none; a missing one is left to its reader', async () => {
  const parent = await tmpdir();
  const legacy = path.join(parent, 'legacy');
  await writeFiles(legacy, { 'feats.json': '{}' });
  await addDerivedFiles(legacy, 'compute-cmvn', ['cmvn.json'], (d) => writeFiles(d, { 'cmvn.json': 'x' }));
  assert.deepEqual(await snapshot(legacy), { 'cmvn.json': 'x', 'feats.json': '{}' });
  assert.equal(await readOutputMarker(legacy), undefined);
  await assert.rejects(
    addDerivedFiles(path.join(parent, 'none', 'feats'), 'compute-cmvn', ['cmvn.json'], async () => {
      throw new Error('the reader says feats.json is missing');
    }),
    /the reader says/,
  );
  assert.deepEqual((await fs.readdir(parent)).sort(), ['legacy']);
});

test('a run that fails before writing anything leaves no work directory beside OUT', async () => {
  const parent = await tmpdir();
  const out = path.join(parent, 'ali');
  await assert.rejects(
    withOutputDir(out, { command: 'align' }, async () => {
      throw new Error('model not found');
    }),
    /model not found/,
  );
  assert.deepEqual(await fs.readdir(parent), [], 'no .ali.partial, no lock');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readSpecialistsManifest, SPECIALISTS_FILE, writeSpecialistsManifest, type SpecialistsManifest } from '../../src/nnet/specialists-manifest.js';
import { isInputError } from '../../src/errors.js';

const manifest = (generalist: string): SpecialistsManifest => ({
  type: 'specialists',
  generalist,
  clusteredWith: generalist,
  clusterOn: '/feats/dev',
  clusterFrames: 500,
  numClusters: 1,
  clusterMatrix: 'correlation',
  cover: 1,
  seed: 1,
  specialists: [{ dir: 'spec-01', pdfs: [0, 2], dustbinShift: 0, trainFrames: { inside: 4, outside: 4, keptOutside: 4 }, priors: [-1, -1, -1], weightsFiles: {}, history: [], keptEpoch: 0 }],
});

test('specialists.json: written and read back; the generalist resolved against the directory', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'spec-manifest-'));
  try {
    const m = manifest('/models/generalist');
    await writeSpecialistsManifest(dir, m);
    assert.deepEqual(await readSpecialistsManifest(dir), m);
    await writeSpecialistsManifest(dir, manifest('gen'));
    assert.equal((await readSpecialistsManifest(dir)).generalist, path.join(dir, 'gen'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('specialists.json: missing, of another type, without a generalist or without specialists: what to do', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'spec-manifest-'));
  const file = path.join(dir, SPECIALISTS_FILE);
  try {
    await assert.rejects(readSpecialistsManifest(dir), (e: unknown) => isInputError(e) && (e as Error).message === `${file}: not found; train specialists with \`asr-distill train-specialists\``);
    const expected = `${file}: expected { "type": "specialists", "generalist": DIR, "specialists": [...] } from asr-distill train-specialists`;
    const { generalist: _, ...noGeneralist } = manifest('/g');
    for (const bad of [{ ...manifest('/g'), type: 'ensemble' }, noGeneralist, { ...manifest('/g'), specialists: [] }]) {
      await writeFile(file, JSON.stringify(bad));
      await assert.rejects(readSpecialistsManifest(dir), (e: unknown) => isInputError(e) && (e as Error).message === expected);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('specialists.json: --cluster-size (overlapping sets) round trip; a manifest without it (older) reads as a partition; a bad size refused', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'spec-manifest-'));
  const file = path.join(dir, SPECIALISTS_FILE);
  try {
    const m: SpecialistsManifest = { ...manifest('/g'), clusterSize: 2, clusterPdfs: 3, pdfsByCoverage: [1, 2] };
    await writeSpecialistsManifest(dir, m);
    assert.deepEqual(await readSpecialistsManifest(dir), m);
    // Written before the option: no clusterSize, clusterPdfs or pdfsByCoverage.
    await writeFile(file, JSON.stringify(manifest('/g')));
    const old = await readSpecialistsManifest(dir);
    assert.equal(old.clusterSize, undefined);
    assert.equal(old.pdfsByCoverage, undefined);
    for (const bad of [0, 1.5, '3']) {
      await writeFile(file, JSON.stringify({ ...manifest('/g'), clusterSize: bad }));
      await assert.rejects(readSpecialistsManifest(dir), (e: unknown) => isInputError(e) && (e as Error).message === `${file}: "clusterSize" ${JSON.stringify(bad)} is not a positive integer; train the specialists again with asr-distill train-specialists`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

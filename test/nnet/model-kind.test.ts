import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ENSEMBLE_FILE, MODEL_META_FILE, modelKind, SPECIALISTS_FILE } from '../../src/nnet/model-kind.js';
import { GMM_JSON_FILE } from '../../src/hmm/gmm-model.js';

test('modelKind tells an ensemble, a DNN and a GMM directory by their marker files, ensemble first', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'model-kind-'));
  try {
    const dir = async (name: string, files: string[]) => {
      const d = path.join(root, name);
      await mkdir(d);
      for (const f of files) await writeFile(path.join(d, f), '{}');
      return d;
    };
    assert.equal(await modelKind(await dir('ens', [ENSEMBLE_FILE])), 'ensemble');
    assert.equal(await modelKind(await dir('dnn', [MODEL_META_FILE, 'model.json'])), 'dnn');
    assert.equal(await modelKind(await dir('gmm', [GMM_JSON_FILE, 'model.json'])), 'gmm');
    assert.equal(await modelKind(await dir('spec', [SPECIALISTS_FILE])), 'specialists');
    assert.equal(await modelKind(await dir('both', [MODEL_META_FILE, ENSEMBLE_FILE])), 'ensemble');
    assert.equal(await modelKind(await dir('empty', ['model.json'])), undefined);
    assert.equal(await modelKind(path.join(root, 'missing')), undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

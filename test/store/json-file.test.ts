import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readJsonFile } from '../../src/store/json-file.js';
import { InputError } from '../../src/errors.js';

test('readJsonFile parses the file, or explains a missing file or bad JSON as an InputError', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'json-file-'));
  try {
    const file = path.join(dir, 'info.json');
    await writeFile(file, '{"numPdfs": 3}');
    assert.deepEqual(await readJsonFile<{ numPdfs: number }>(file, { missing: 'unused' }), { numPdfs: 3 });
    const missing = path.join(dir, 'none.json');
    await assert.rejects(readJsonFile(missing, { missing: `${missing}: not found; run asr-distill align` }), (e: unknown) => e instanceof InputError && e.message === `${missing}: not found; run asr-distill align`);
    // A function of the error code words the message: ENOENT for a missing file, EISDIR for a directory.
    const byCode = (code: string | undefined) => `cannot read (${code})`;
    await assert.rejects(readJsonFile(missing, { missing: byCode }), { message: 'cannot read (ENOENT)' });
    await assert.rejects(readJsonFile(dir, { missing: byCode }), { message: 'cannot read (EISDIR)' });
    await writeFile(file, '{"numPdfs": ');
    await assert.rejects(readJsonFile(file, { missing: 'x' }), (e: unknown) => e instanceof InputError && /^.*info\.json: not valid JSON \(.+\)$/.test(e.message));
    await assert.rejects(readJsonFile(file, { missing: 'x', invalidHint: 're-run asr-distill features' }), /info\.json: not valid JSON \(.+\); re-run asr-distill features$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

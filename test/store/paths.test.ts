import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeDirs, pathExists } from '../../src/store/paths.js';

test('pathExists tells files and directories from missing paths', async () => {
  assert.equal(await pathExists(os.tmpdir()), true);
  assert.equal(await pathExists(path.join(os.tmpdir(), 'no-such-file-asr-distill-xyz')), false);
});

test('makeDirs creates missing levels and names an ancestor that is a file', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-paths-'));
  await makeDirs(path.join(dir, 'a', 'b', 'c'));
  assert.equal((await fs.stat(path.join(dir, 'a', 'b', 'c'))).isDirectory(), true);
  await makeDirs(path.join(dir, 'a', 'b')); // existing: nothing to do
  await fs.writeFile(path.join(dir, 'file'), 'x');
  await assert.rejects(makeDirs(path.join(dir, 'file', 'sub')), {
    name: 'InputError',
    message: `cannot create directory ${path.join(dir, 'file', 'sub')}: ${path.join(dir, 'file')} is a file, not a directory; choose another path`,
  });
});

test('makeDirs under /proc fails at once instead of hanging like recursive mkdir', { skip: process.platform !== 'linux' }, async () => {
  await assert.rejects(makeDirs('/proc/asr-distill-x/y'), {
    name: 'InputError',
    message: 'cannot create directory /proc/asr-distill-x: /proc does not accept new directories (a pseudo-file system such as /proc or /sys?); choose another path',
  });
});

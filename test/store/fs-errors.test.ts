import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFsError } from '../../src/store/fs-errors.js';

/** An error shaped as Node's fs functions throw them. */
function errno(code: string, syscall: string, file: string, dest?: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: something, ${syscall} '${file}'${dest ? ` -> '${dest}'` : ''}`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = file;
  if (dest) (e as { dest?: string }).dest = dest;
  return e;
}

test('permission denied, read-only and no space left name the path and what to do', () => {
  assert.equal(describeFsError(errno('EACCES', 'open', '/data/exp/feats.json')), '/data/exp/feats.json: permission denied; choose another location or change its permissions (EACCES)');
  assert.equal(describeFsError(errno('EPERM', 'mkdir', '/data/x')), '/data/x: operation not permitted; choose another location or change its permissions (EPERM)');
  assert.equal(describeFsError(errno('EROFS', 'mkdir', '/mnt/cd/exp')), '/mnt/cd/exp: the file system is read-only; choose an output location on a writable disk (EROFS)');
  assert.equal(describeFsError(errno('ENOSPC', 'write', '/data/feats.1.arrow')), '/data/feats.1.arrow: no space left on the device; free some space or choose another disk (ENOSPC)');
  assert.match(describeFsError(errno('EEXIST', 'mkdir', '/data/out'))!, /^\/data\/out: a file or directory of that name already exists/);
  assert.match(describeFsError(errno('ENOTDIR', 'open', '/data/file/x'))!, /a part of this path is a file, not a directory/);
});

test('rename errors name both paths; paths below the working directory are shown relative', () => {
  const here = path.join(process.cwd(), 'exp', 'a');
  assert.equal(describeFsError(errno('EXDEV', 'rename', here, '/other/b')), `${path.join('exp', 'a')} -> /other/b: the path crosses file systems (a mount point?); choose a directory that is not a mount point (EXDEV)`);
});

test('about names the path instead of an internal file', () => {
  assert.equal(
    describeFsError(errno('EROFS', 'open', '/mnt/ro/.tmp-1-x-.feats.lock'), 'cannot write output directory /mnt/ro/feats'),
    'cannot write output directory /mnt/ro/feats: the file system is read-only; choose an output location on a writable disk (EROFS)',
  );
});

test('errors that crossed a worker thread (message only) are still recognised', () => {
  const e = new Error("ENOSPC: no space left on device, write '/data/feats.2.arrow'");
  assert.equal(describeFsError(e), '/data/feats.2.arrow: no space left on the device; free some space or choose another disk (ENOSPC)');
});

test('other errors are not file-system errors to explain: ENOENT, bugs, non-errors', () => {
  assert.equal(describeFsError(errno('ENOENT', 'open', '/x')), undefined);
  assert.equal(describeFsError(new TypeError('x is undefined')), undefined);
  assert.equal(describeFsError('EACCES'), undefined);
  assert.equal(describeFsError(null), undefined);
});

test('a real EEXIST/ENOTDIR from fs is explained', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asr-fserr-'));
  const file = path.join(dir, 'f');
  await fs.writeFile(file, 'x');
  const e1 = await fs.mkdir(file).catch((e: unknown) => e);
  assert.match(describeFsError(e1)!, /f: a file or directory of that name already exists; choose another path \(EEXIST\)$/);
  const e2 = await fs.writeFile(path.join(file, 'y'), 'x').catch((e: unknown) => e);
  assert.match(describeFsError(e2)!, /f\/y: a part of this path is a file, not a directory; choose another path \(ENOTDIR\)$/);
});

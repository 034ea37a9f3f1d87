import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireDirLock, readLockOwner } from '../../src/store/dir-lock.js';

async function tmpdir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'asr-lock-'));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('second concurrent writer is refused with a message naming the first one\'s pid', async () => {
  const dir = await tmpdir();
  const lockFile = path.join(dir, '.feats.lock');
  const first = await acquireDirLock(lockFile, { command: 'features', target: 'exp/feats' });
  assert.equal(first.owner.pid, process.pid);
  assert.deepEqual(await readLockOwner(lockFile), first.owner);
  await assert.rejects(
    acquireDirLock(lockFile, { command: 'features', target: 'exp/feats' }),
    (e: Error) => e.name === 'InputError' && e.message.startsWith(`exp/feats is being written by another asr-distill run (pid ${process.pid}: features, started `) && e.message.includes(lockFile),
  );
  await first.release();
  assert.equal(await readLockOwner(lockFile), 'gone');
  const again = await acquireDirLock(lockFile, { command: 'train', target: 'exp/feats' });
  await again.release();
  assert.deepEqual(await fs.readdir(dir), [], 'no temporary files are left');
});

test('a stale lock of a dead process is taken over; an unreadable one once it is old', async () => {
  const dir = await tmpdir();
  const lockFile = path.join(dir, '.dnn.lock');
  const pid = deadPid();
  await fs.writeFile(lockFile, JSON.stringify({ pid, hostname: os.hostname(), command: 'train', startedAt: '2026-01-01T00:00:00Z', token: 'old' }));
  const lock = await acquireDirLock(lockFile, { command: 'train', target: 'exp/dnn' });
  assert.equal(((await readLockOwner(lockFile)) as { pid: number }).pid, process.pid);
  await lock.release();
  // Unreadable: maybe being written (file systems without hard links), so refused while fresh.
  await fs.writeFile(lockFile, 'not json');
  await assert.rejects(acquireDirLock(lockFile, { command: 'train', target: 'exp/dnn' }), /exp\/dnn is being written by another asr-distill run \(its lock .* is being created\)/);
  const old = new Date(Date.now() - 60_000);
  await fs.utimes(lockFile, old, old);
  const lock2 = await acquireDirLock(lockFile, { command: 'train', target: 'exp/dnn' });
  await lock2.release();
  assert.deepEqual(await fs.readdir(dir), []);
});

test('a lock of a killed process not yet reaped (a zombie) is taken over (Linux /proc)', { skip: process.platform !== 'linux' }, async () => {
  const dir = await tmpdir();
  const lockFile = path.join(dir, '.dnn.lock');
  // `sleep 0` exits under a parent (`sleep 2`, exec'ed) that never waits for it: a zombie for 2 s.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 2'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    for (let i = 0; i < 100 && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 10));
    await fs.writeFile(lockFile, JSON.stringify({ pid, hostname: os.hostname(), command: 'ensemble', startedAt: '2026-01-01T00:00:00Z', token: 'old' }));
    const lock = await acquireDirLock(lockFile, { command: 'ensemble', target: 'exp/ensemble' });
    assert.equal(((await readLockOwner(lockFile)) as { pid: number }).pid, process.pid);
    await lock.release();
  } finally {
    parent.kill();
  }
});

test('a lock held on another host is never taken over (its pid cannot be checked)', async () => {
  const dir = await tmpdir();
  const lockFile = path.join(dir, '.dnn.lock');
  await fs.writeFile(lockFile, JSON.stringify({ pid: deadPid(), hostname: `not-${os.hostname()}`, command: 'train', startedAt: 'then', token: 't' }));
  await assert.rejects(acquireDirLock(lockFile, { command: 'train', target: 'exp/dnn' }), /on host not-/);
});

test('release leaves a lock that is no longer its own', async () => {
  const dir = await tmpdir();
  const lockFile = path.join(dir, '.x.lock');
  const lock = await acquireDirLock(lockFile, { command: 'decode', target: 'x' });
  const other = JSON.stringify({ pid: process.pid, hostname: os.hostname(), command: 'decode', startedAt: 'later', token: 'other' });
  await fs.writeFile(lockFile, other);
  await lock.release();
  assert.equal(await fs.readFile(lockFile, 'utf8'), other);
});

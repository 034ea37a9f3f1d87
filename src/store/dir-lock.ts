// One writer per output directory: a lock file beside it that names the process holding it.
//
// Hand-written rather than proper-lockfile: that library detects a stale lock by an mtime it
// refreshes on a timer, so it cannot say which process holds the lock, and a long synchronous step
// (a training epoch on the wasm backend, a Viterbi pass) that blocks the event loop past its stale
// threshold makes the lock look abandoned to a second run and "compromised" (an exception) to the
// first. A pid does neither: the lock is stale exactly when its process is gone.
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';
import { tempPathFor } from './atomic.js';

/** What a lock file holds (JSON). */
export interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
  /** Tells two locks of one process apart (release removes only its own). */
  token: string;
}

/** A held lock; `release` removes the lock file if it is still this holder's. */
export interface DirLock {
  readonly file: string;
  readonly owner: LockOwner;
  release(): Promise<void>;
}

/**
 * Take the lock `lockFile` for writing `target` (named in the message) on behalf of `command`.
 * A lock held by a running process (this one included) is refused with an InputError naming its
 * pid; a lock left by a process that no longer exists on this host is taken over. The lock file is
 * created complete (written under a temporary name, then hard-linked into place), so a reader never
 * sees a half-written owner.
 *
 * @example const lock = await acquireDirLock('exp/.feats.lock', { command: 'features', target: 'exp/feats' });
 */
export async function acquireDirLock(lockFile: string, what: { command: string; target: string }): Promise<DirLock> {
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), command: what.command, startedAt: new Date().toISOString(), token: randomUUID() };
  const content = JSON.stringify(owner) + '\n';
  const tmp = tempPathFor(lockFile);
  await fs.writeFile(tmp, content);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await createLockFile(tmp, lockFile, content)) return { file: lockFile, owner, release: () => releaseLock(lockFile, owner) };
      const held = await readLockOwner(lockFile);
      if (held === 'gone') continue;
      if (held === 'unreadable' && (await isFresh(lockFile))) {
        throw new InputError(`${what.target} is being written by another asr-distill run (its lock ${lockFile} is being created); wait for it to finish or choose another output directory`);
      }
      if (held !== 'unreadable' && isRunning(held)) {
        const host = held.hostname === owner.hostname ? '' : ` on host ${held.hostname}`;
        throw new InputError(
          `${what.target} is being written by another asr-distill run (pid ${held.pid}${host}: ${held.command}, started ${held.startedAt}); ` +
            `wait for it to finish or choose another output directory (if no such process is running, remove ${lockFile})`,
        );
      }
      await takeOverStaleLock(lockFile, held);
    }
    throw new InputError(`${what.target}: could not take the lock ${lockFile} (other runs keep taking it); try again`);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Create `lockFile` with `content` unless it exists (false then). A hard link of the complete
 * temporary file is atomic and never half-written; file systems without hard links (FAT, some
 * network mounts) get an exclusive create instead, whose content may be read half-written for a
 * moment (see isFresh).
 */
async function createLockFile(tmp: string, lockFile: string, content: string): Promise<boolean> {
  try {
    await fs.link(tmp, lockFile);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  }
  try {
    await fs.writeFile(lockFile, content, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** An unreadable lock younger than this may still be being written (exclusive-create fallback). */
const FRESH_LOCK_MS = 5000;

async function isFresh(lockFile: string): Promise<boolean> {
  const st = await fs.stat(lockFile).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs < FRESH_LOCK_MS;
}

/** The owner recorded in `lockFile`; 'gone' if it has just been removed, 'unreadable' if it is not ours. */
export async function readLockOwner(lockFile: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await fs.readFile(lockFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return Number.isInteger(o.pid) && typeof o.hostname === 'string' ? o : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** True unless `owner` is a process of this host that no longer exists (signal 0 probes without sending). */
function isRunning(owner: LockOwner): boolean {
  if (owner.hostname !== os.hostname()) return true; // cannot tell: assume it is alive
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  return !isZombie(owner.pid);
}

/**
 * A killed process stays a zombie (signal 0 still reaches it) until its parent or init reaps it,
 * which took 1.3-1.9 s in a container here: a rerun right after a kill saw the lock as held.
 * Linux `/proc/PID/stat` state `Z`; elsewhere (no /proc) not known, so not a zombie.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * Remove a stale lock without removing a fresh one that another run put in its place meanwhile:
 * move it aside under a unique name, check that what moved is the stale one, put it back otherwise.
 */
async function takeOverStaleLock(lockFile: string, stale: LockOwner | 'unreadable'): Promise<void> {
  const aside = tempPathFor(lockFile);
  try {
    await fs.rename(lockFile, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readLockOwner(aside);
  const same = moved === stale || (typeof moved === 'object' && typeof stale === 'object' && moved.pid === stale.pid && moved.token === stale.token);
  if (!same) await fs.link(aside, lockFile).catch(() => undefined);
  await fs.rm(aside, { force: true });
}

async function releaseLock(lockFile: string, owner: LockOwner): Promise<void> {
  const held = await readLockOwner(lockFile).catch(() => 'gone' as const);
  if (typeof held === 'object' && held.token === owner.token) await fs.rm(lockFile, { force: true });
}

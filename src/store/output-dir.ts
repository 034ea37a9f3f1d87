// Output directories that are replaced whole or not at all (docs/guarantees.md).
//
// A command writing OUT (e.g. `features data/train exp/feats/train`) works in `.OUT.partial` beside
// it, under the lock `.OUT.lock`, and swaps the result in only when it has finished: a failed or
// killed run leaves the previous OUT as it was. OUT/.asr-distill-output.json (the marker) records
// which command wrote OUT and which entries are its own, which is how a rerun recognises "an
// earlier output of the same command" (replaced) from a directory of other files (refused unless
// --overwrite). Files that other tools put into an earlier output are carried over into the new one.
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError, isInputError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import { describeFsError } from './fs-errors.js';
import { makeDirs, pathExists } from './paths.js';

/** The marker file inside every output directory. */
export const OUTPUT_MARKER = '.asr-distill-output.json';

/** What the marker holds (JSON). */
export interface OutputMarker {
  /** The asr-distill subcommand that wrote the directory (`features`, `train`, ...). */
  command: string;
  /** False while the directory is a work directory being written. */
  complete: boolean;
  /** Top-level entries the command wrote (everything else in the directory is someone else's). */
  entries: string[];
  /** Files added later by other asr-distill commands, derived from this output (`cmvn.json` -> `compute-cmvn`): stale after a rerun, so not carried over. */
  derived: Record<string, string>;
}

export interface OutputDirOptions {
  /** The subcommand writing the directory, recorded in the marker and lock. */
  command: string;
  /** Replace an existing directory that is not an earlier output of `command` (`--overwrite`); nothing of it is carried over. */
  overwrite?: boolean;
  /** Continue in the work directory a killed or failed run of the same command left (checkpoints: train, distill, ensemble); not with `overwrite`. */
  resumable?: boolean;
  /** Start a new work directory as a copy of the earlier output's own entries (a rerun that skips what is finished, e.g. ensemble members). */
  continueEarlier?: boolean;
}

/** The names beside OUT that belong to it: work directory, lock, and the old output during a swap. */
export function outputSidePaths(dir: string): { finalDir: string; work: string; old: string; lock: string } {
  const finalDir = path.resolve(dir);
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  if (parent === finalDir) throw new InputError(`${dir}: the root directory cannot be an output directory; choose a directory below it`);
  return { finalDir, work: path.join(parent, `.${base}.partial`), old: path.join(parent, `.${base}.old`), lock: path.join(parent, `.${base}.lock`) };
}

/**
 * Write the output directory `dir` through `produce(workDir)` and swap it in when `produce`
 * resolves. Refuses (InputError) an existing `dir` that is a file, or a non-empty directory that is
 * not an earlier output of `opts.command` (unless `overwrite`), and a `dir` another run is writing.
 * When `produce` throws, `dir` is untouched and the work directory stays beside it for inspection
 * (and, with `resumable`, for the next run to continue from).
 *
 * @example await withOutputDir('exp/feats/train', { command: 'features' }, (work) => extractFeatures(data, work, opts));
 */
export async function withOutputDir<T>(dir: string, opts: OutputDirOptions, produce: (workDir: string) => Promise<T>): Promise<T> {
  const side = outputSidePaths(dir);
  await makeDirs(path.dirname(side.finalDir));
  const lock = await lockOutputDir(dir, side.lock, opts.command);
  try {
    await finishInterruptedSwap(side);
    const earlier = await checkExistingOutput(dir, side.finalDir, opts);
    await prepareWorkDir(side, opts, earlier);
    let result: T;
    try {
      result = await produce(side.work);
    } catch (e) {
      await removeIfUnused(side.work);
      throw e;
    }
    await commitWorkDir(side, opts.command, earlier);
    return result;
  } finally {
    await lock.release();
  }
}

/**
 * Add files to a finished output directory in place (`compute-cmvn` adds `cmvn.json` to a
 * features directory), under its lock: `write(dir)` writes them (atomically, file by file), and the
 * marker lists them as derived by `command`, so that a rerun of the command that wrote `dir` drops
 * them instead of carrying stale ones over.
 */
export async function addDerivedFiles<T>(dir: string, command: string, names: string[], write: (dir: string) => Promise<T>): Promise<T> {
  if (!(await pathExists(dir))) return write(dir); // its reader says what is missing
  const side = outputSidePaths(dir);
  const lock = await lockOutputDir(dir, side.lock, command);
  try {
    const result = await write(dir);
    const marker = await readOutputMarker(dir);
    if (marker?.complete) {
      for (const n of names) marker.derived[n] = command;
      marker.entries = marker.entries.filter((e) => !names.includes(e));
      await writeFileAtomic(path.join(dir, OUTPUT_MARKER), JSON.stringify(marker, null, 1) + '\n');
    }
    return result;
  } finally {
    await lock.release();
  }
}

/** The marker of `dir`, or undefined when it has none (or an unreadable one). */
export async function readOutputMarker(dir: string): Promise<OutputMarker | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, OUTPUT_MARKER), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as Partial<OutputMarker>;
    if (typeof m.command !== 'string' || !Array.isArray(m.entries)) return undefined;
    return { command: m.command, complete: m.complete === true, entries: m.entries.map(String), derived: { ...(m.derived ?? {}) } };
  } catch {
    return undefined;
  }
}

/**
 * The output directory a work directory will become (`exp/.dnn.partial` -> `exp/dnn`), for labels
 * and messages; other paths are returned as they are.
 */
export function outputPathOf(dir: string): string {
  const m = /^\.(.+)\.partial$/.exec(path.basename(dir));
  return m ? path.join(path.dirname(dir), m[1]) : dir;
}

/** The lock of `dir`; a directory where it cannot be created (read-only, no permission) is named as the output, not as the lock's temporary file. */
async function lockOutputDir(dir: string, lockFile: string, command: string): Promise<DirLock> {
  try {
    return await acquireDirLock(lockFile, { command, target: dir });
  } catch (e) {
    // The parent exists (makeDirs), so ENOENT here means it takes no new files: /proc, /sys.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`cannot write output directory ${dir}: ${path.dirname(lockFile)} does not accept new files (a pseudo-file system such as /proc or /sys?); choose another path`, { cause: e });
    }
    const message = isInputError(e) ? undefined : describeFsError(e, `cannot write output directory ${dir}`);
    if (message !== undefined) throw new InputError(message, { cause: e });
    throw e;
  }
}

type Earlier = { kind: 'none' } | { kind: 'replace' } | { kind: 'earlier'; marker: OutputMarker };

/** What is at `finalDir` now, and whether this run may replace it. */
async function checkExistingOutput(dir: string, finalDir: string, opts: OutputDirOptions): Promise<Earlier> {
  let st;
  try {
    st = await fs.stat(finalDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw e;
  }
  if (!st.isDirectory()) throw new InputError(`output directory ${dir} exists and is a file; choose another path (or remove the file)`);
  const entries = await fs.readdir(finalDir);
  if (entries.length === 0) return { kind: 'replace' };
  const marker = await readOutputMarker(finalDir);
  if (opts.overwrite) return { kind: 'replace' };
  if (marker?.complete && marker.command === opts.command) return { kind: 'earlier', marker };
  const what = marker
    ? `holds the output of 'asr-distill ${marker.command}'`
    : `is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}) and was not written by asr-distill ${opts.command} (no ${OUTPUT_MARKER})`;
  throw new InputError(`output directory ${dir} ${what}; choose another directory, or pass --overwrite to replace it with everything in it`);
}

async function prepareWorkDir(side: ReturnType<typeof outputSidePaths>, opts: OutputDirOptions, earlier: Earlier): Promise<void> {
  if (await pathExists(side.work)) {
    const left = await readOutputMarker(side.work);
    if (opts.resumable && !opts.overwrite && left && !left.complete && left.command === opts.command) return;
    await fs.rm(side.work, { recursive: true, force: true });
  }
  await fs.mkdir(side.work);
  if (opts.continueEarlier && earlier.kind === 'earlier') {
    for (const e of earlier.marker.entries) {
      const from = path.join(side.finalDir, e);
      // Copy-on-write where the file system can (btrfs, XFS), a plain copy elsewhere: never hard
      // links, since some files are appended to in place (job logs) and the earlier output must not change.
      if (await pathExists(from)) await fs.cp(from, path.join(side.work, e), { recursive: true, preserveTimestamps: true, mode: constants.COPYFILE_FICLONE });
    }
  }
  const marker: OutputMarker = { command: opts.command, complete: false, entries: [], derived: {} };
  await writeFileAtomic(path.join(side.work, OUTPUT_MARKER), JSON.stringify(marker, null, 1) + '\n');
}

/**
 * A run that failed before writing anything (bad input found while reading it) leaves no work
 * directory behind: there is nothing to inspect or resume, only clutter beside OUT.
 */
async function removeIfUnused(work: string): Promise<void> {
  try {
    const entries = await fs.readdir(work);
    if (entries.every((e) => e === OUTPUT_MARKER)) await fs.rm(work, { recursive: true, force: true });
  } catch {
    // Nothing to tidy (the work directory is gone or unreadable): the original error matters.
  }
}

/** Mark the work directory complete and swap it in; the previous output is removed only after. */
async function commitWorkDir(side: ReturnType<typeof outputSidePaths>, command: string, earlier: Earlier): Promise<void> {
  const entries = (await fs.readdir(side.work)).filter((e) => e !== OUTPUT_MARKER).sort();
  // No time stamp: the same inputs give the same bytes, marker included (make-corpus, features).
  const marker: OutputMarker = { command, complete: true, entries, derived: {} };
  await writeFileAtomic(path.join(side.work, OUTPUT_MARKER), JSON.stringify(marker, null, 1) + '\n');
  if (earlier.kind === 'none') {
    await fs.rename(side.work, side.finalDir);
  } else if (earlier.kind === 'replace') {
    // --overwrite (or an empty directory): nothing of the old directory is kept. Killed between
    // the two steps, the next run finds no OUT and a complete work directory, and renames it.
    await fs.rm(side.finalDir, { recursive: true, force: true });
    await fs.rename(side.work, side.finalDir);
  } else {
    await fs.rename(side.finalDir, side.old);
    await fs.rename(side.work, side.finalDir);
    await finishSwap(side);
  }
}

/** Move what other tools had put into the old output (entries its marker does not list) into the new one, then remove the old one. */
async function finishSwap(side: ReturnType<typeof outputSidePaths>): Promise<void> {
  const oldMarker = await readOutputMarker(side.old);
  if (oldMarker) {
    const ours = new Set([OUTPUT_MARKER, ...oldMarker.entries, ...Object.keys(oldMarker.derived)]);
    for (const e of await fs.readdir(side.old)) {
      if (ours.has(e) || (await pathExists(path.join(side.finalDir, e)))) continue;
      await fs.rename(path.join(side.old, e), path.join(side.finalDir, e));
    }
  }
  await fs.rm(side.old, { recursive: true, force: true });
}

/** Complete a swap that a killed run left half done (see commitWorkDir), before looking at OUT. */
async function finishInterruptedSwap(side: ReturnType<typeof outputSidePaths>): Promise<void> {
  const finalExists = await pathExists(side.finalDir);
  const workComplete = (await readOutputMarker(side.work))?.complete === true;
  if (await pathExists(side.old)) {
    if (!finalExists) await fs.rename(workComplete ? side.work : side.old, side.finalDir);
    if (await pathExists(side.old)) await finishSwap(side);
  } else if (!finalExists && workComplete) {
    await fs.rename(side.work, side.finalDir);
  }
}

// One mapping from the operating system's file-system errors to messages a user can act on. The
// CLI's action() prints these without a stack trace: a full disk or a read-only mount is not a bug.
import * as path from 'node:path';

/** What each errno means for the user and what to do about it. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied; choose another location or change its permissions',
  EPERM: 'operation not permitted; choose another location or change its permissions',
  EROFS: 'the file system is read-only; choose an output location on a writable disk',
  ENOSPC: 'no space left on the device; free some space or choose another disk',
  EDQUOT: 'disk quota exceeded; free some space or choose another disk',
  EEXIST: 'a file or directory of that name already exists; choose another path',
  ENOTDIR: 'a part of this path is a file, not a directory; choose another path',
  EISDIR: 'this is a directory where a file was expected; choose another path',
  ENAMETOOLONG: 'the file name is too long; choose a shorter path',
  ELOOP: 'too many symbolic links (a symlink loop?); check the path',
  EMFILE: 'too many open files; raise the limit (ulimit -n) or use fewer --jobs',
  EBUSY: 'the file or directory is busy (a mount point?); choose another path',
  EXDEV: 'the path crosses file systems (a mount point?); choose a directory that is not a mount point',
};

/** The fields Node sets on a failed fs call (`EACCES: permission denied, open '/x/y'`). */
interface ErrnoLike {
  code?: unknown;
  path?: unknown;
  dest?: unknown;
  message?: unknown;
}

/**
 * The user's message for a file-system error, or undefined when `e` is not one we can explain.
 * Errors that crossed a worker thread keep only their message, so the code and path are also read
 * from Node's message format (`ENOSPC: no space left on device, write '/x/feats.1.arrow'`).
 * `about` names the path in the message instead (when the failing file is an internal one).
 *
 * @example describeFsError(err) // 'exp/feats/feats.json: no space left on the device; free some space or choose another disk (ENOSPC)'
 */
export function describeFsError(e: unknown, about?: string): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const x = e as ErrnoLike;
  let code = typeof x.code === 'string' ? x.code : undefined;
  let file = typeof x.path === 'string' ? x.path : undefined;
  let dest = typeof x.dest === 'string' ? x.dest : undefined;
  if (typeof x.message === 'string') {
    const m = /^(E[A-Z]+): [^,]*, \w+ '([^']*)'(?: -> '([^']*)')?/.exec(x.message);
    if (m) {
      code ??= m[1];
      file ??= m[2];
      dest ??= m[3];
    }
  }
  if (code === undefined || !(code in REASONS)) return undefined;
  // rename/link report both paths; the destination is the one being created.
  const where =
    about !== undefined ? about : file === undefined ? 'a file operation' : dest !== undefined ? `${displayPath(file)} -> ${displayPath(dest)}` : displayPath(file);
  return `${where}: ${REASONS[code]} (${code})`;
}

/** A path as the user would recognise it: relative to the working directory when below it. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

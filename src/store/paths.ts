import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.js';

/** True when `p` exists (file or directory). */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * `mkdir -p` that fails instead of hanging: Node's recursive mkdir loops forever where a parent
 * exists but refuses new entries with ENOENT (/proc, /sys). Finds the deepest existing ancestor,
 * then creates the missing levels one at a time. An ancestor that is a file, or a level that cannot
 * be created, is an InputError naming it; other errors (EACCES, EROFS, ...) propagate for
 * describeFsError.
 *
 * @example await makeDirs('exp/digits/feats');
 */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  let cur = path.resolve(dir);
  for (;;) {
    try {
      const st = await fs.stat(cur);
      if (!st.isDirectory()) throw new InputError(`cannot create directory ${dir}: ${cur} is a file, not a directory; choose another path`);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      missing.push(cur);
      const up = path.dirname(cur);
      if (up === cur) break;
      cur = up;
    }
  }
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await fs.stat(d)).isDirectory()) continue; // made meanwhile by another run
      if (code === 'ENOENT') {
        throw new InputError(`cannot create directory ${d}: ${path.dirname(d)} does not accept new directories (a pseudo-file system such as /proc or /sys?); choose another path`);
      }
      throw e;
    }
  }
}

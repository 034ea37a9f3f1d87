// Test helper: what a directory holds, to assert that a failed run left it exactly as it was.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OUTPUT_MARKER } from '../../src/store/output-dir.js';

/**
 * Every file below `dir` (relative path -> sha256 of its bytes, or its text with `utf8`), sorted by
 * path; `marker: false` leaves the output marker out.
 */
export async function snapshotDir(dir: string, opts: { encoding?: 'sha256' | 'utf8'; marker?: boolean } = {}): Promise<Record<string, string>> {
  const out: [string, string][] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = path.relative(dir, path.join(e.parentPath, e.name));
    if (opts.marker === false && rel === OUTPUT_MARKER) continue;
    const bytes = await fs.readFile(path.join(dir, rel));
    out.push([rel, opts.encoding === 'utf8' ? bytes.toString('utf8') : createHash('sha256').update(bytes).digest('hex')]);
  }
  return Object.fromEntries(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

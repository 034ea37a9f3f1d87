import { promises as fs } from 'node:fs';

/** True when `p` exists (file or directory). */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

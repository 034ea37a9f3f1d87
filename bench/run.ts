// npm run bench [name ...]: runs every bench/<name>.bench.ts (or the named ones) one after the
// other and prints one JSON object { name: figures } on stdout. Figures are measured, never assumed.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as path from 'node:path';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
const results: Record<string, unknown> = {};
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, '');
  process.stderr.write(`bench ${name} ...\n`);
  const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { run: () => Promise<Record<string, unknown>> };
  const t0 = performance.now();
  try {
    results[name] = { ...(await mod.run()), benchWallSec: +((performance.now() - t0) / 1000).toFixed(2) };
  } catch (e) {
    results[name] = { error: e instanceof Error ? e.message : String(e) };
  }
}
process.stdout.write(JSON.stringify({ machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, results }, null, 2) + '\n');

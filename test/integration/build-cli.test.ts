// recipes/lib/stages.sh's build_cli: a recipe rebuilds dist/ only when src/ (or a tsconfig) changed
// since the last build, one build at a time, and a failed build stops the recipe. On a stand-in
// project whose `npm run build` only counts its calls: about a second (three npm starts), no tsc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const stages = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../recipes/lib/stages.sh');
const script = `set -euo pipefail; root=$1; . "${stages}"; build_cli; echo built-or-fresh`;

function project(build: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'asr-build-cli-'));
  mkdirSync(path.join(root, 'src'));
  writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(path.join(root, 'tsconfig.json'), '{}\n');
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'stand-in', private: true, scripts: { build } }));
  return root;
}
const builds = (root: string) => (existsSync(path.join(root, 'builds')) ? readFileSync(path.join(root, 'builds'), 'utf8').length : 0);
const run = (root: string, env: NodeJS.ProcessEnv = {}) => spawnSync('bash', ['-c', script, 'bash', root], { encoding: 'utf8', env: { ...process.env, ...env } });

test('build_cli: builds once, again only after src/ changes, never with ASR_DISTILL_NO_BUILD; concurrent recipes build once', async () => {
  // The build sleeps a little so that the two concurrent calls below overlap.
  const root = project('sleep 0.3 && printf x >> builds');
  // Two recipes start side by side on a tree never built here: one builds, the other waits and uses it.
  const both = await Promise.all([0, 1].map(() => new Promise<number | null>((resolve) => spawn('bash', ['-c', script, 'bash', root], { stdio: 'ignore' }).on('close', resolve))));
  assert.deepEqual(both, [0, 0]);
  assert.equal(builds(root), 1);
  assert.equal(run(root).status, 0);
  assert.equal(builds(root), 1, 'nothing changed since the build: no tsc');
  const later = new Date(Date.now() + 10_000);
  utimesSync(path.join(root, 'src', 'a.ts'), later, later);
  assert.equal(run(root, { ASR_DISTILL_NO_BUILD: '1' }).status, 0);
  assert.equal(builds(root), 1, 'ASR_DISTILL_NO_BUILD: the CLI as it is');
  assert.equal(run(root).status, 0);
  assert.equal(builds(root), 2, 'src/a.ts is newer than the last build');
});

test('build_cli: a failing build stops the recipe and is retried by the next run', () => {
  const root = project('exit 3');
  const r = run(root);
  assert.equal(r.status, 3);
  assert.doesNotMatch(r.stdout, /built-or-fresh/);
  assert.ok(!existsSync(path.join(root, 'dist', '.build-stamp')), 'no stamp: the next run builds again');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('the library entry point exports one function per stage', () => {
  const functions = [
    'readDataDir', 'writeDataDir', 'decodeWav', 'loadUtteranceAudio', 'subsetDataDir', 'splitDataDir', 'combineDataDirs',
    'readLangDir', 'prepareLang',
    'loadFeatureConfig', 'makeFeatureComputer', 'extractFeatures', 'computeCmvnStats', 'applyCmvn', 'readFeatsDir', 'writeFeatsDir',
    'importKaldiFeats', 'exportKaldiFeats', 'readMatrixArchive', 'readScpMatrices', 'readInt32VectorTable',
    'trainMono', 'trainTri', 'readTree', 'alignData', 'readAlignments', 'importAlignments',
    'parseArch', 'trainDnnDir', 'trainEnsemble', 'distill', 'evalFramesDir', 'loadAcousticModel', 'selectEngine', 'exportOnnx',
    'decodeDataDir', 'transcribeFiles', 'scoreTranscripts', 'formatWer', 'readTranscript', 'bootstrapWerComparison',
  ];
  const exported = api as unknown as Record<string, unknown>;
  for (const name of functions) assert.equal(typeof exported[name], 'function', name);
  assert.ok(new api.InputError('x') instanceof Error);
  assert.equal(api.isInputError(new api.InputError('x')), true);
});

test("package.json points main, types and exports at what the build makes of src/index.ts, and 'asr-distill' resolves to it", () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')).compilerOptions;
  // tsc maps rootDir/index.ts to outDir/index.js (+ .d.ts with declaration: true).
  const out = path.join(build.outDir, path.relative(build.rootDir, 'src/index.ts')).replace(/\.ts$/, '');
  assert.equal(path.normalize(pkg.main), `${out}.js`);
  assert.equal(path.normalize(pkg.types), `${out}.d.ts`);
  const dot = pkg.exports['.'];
  assert.equal(path.normalize(dot.default), `${out}.js`);
  assert.equal(path.normalize(dot.types), `${out}.d.ts`);
  assert.equal(dot.source, './src/index.ts');
  // Self-reference through "exports" (the "source" condition runs the TypeScript without a build).
  const script = "const m = await import('asr-distill'); console.log(JSON.stringify(Object.keys(m).sort()));";
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), Object.keys(api).sort());
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { action } from '../../src/cli/command.js';
import { InputError } from '../../src/errors.js';

/** Run `fn` through action('x', ...) and return what it printed to stderr and the exit code. */
async function run(fn: () => Promise<void>): Promise<{ stderr: string; code: number }> {
  const ewrite = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((s: string | Uint8Array, ...rest: any[]) => (typeof s === 'string' ? ((stderr += s), true) : ewrite(s, ...rest))) as typeof process.stderr.write;
  try {
    await action('x', fn)();
    return { stderr, code: typeof process.exitCode === 'number' ? process.exitCode : 0 };
  } finally {
    process.stderr.write = ewrite;
    process.exitCode = 0;
  }
}

test('action: an InputError prints its message and exits 1', async () => {
  assert.deepEqual(await run(async () => Promise.reject(new InputError('text line 3: bad'))), { stderr: 'asr-distill x: text line 3: bad\n', code: 1 });
});

test('action: a disk-full error (also one that crossed a worker thread) is a message naming the file, without a stack', async () => {
  const e = Object.assign(new Error("ENOSPC: no space left on device, write '/data/exp/feats.1.arrow'"), { code: 'ENOSPC', path: '/data/exp/feats.1.arrow' });
  const expected = { stderr: 'asr-distill x: /data/exp/feats.1.arrow: no space left on the device; free some space or choose another disk (ENOSPC)\n', code: 1 };
  assert.deepEqual(await run(async () => Promise.reject(e)), expected);
  assert.deepEqual(await run(async () => Promise.reject(new Error(e.message))), expected);
});

test('action: anything else is an internal error with its stack', async () => {
  const r = await run(async () => Promise.reject(new TypeError('x is undefined')));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^asr-distill x: internal error: TypeError: x is undefined\n\s+at /);
});

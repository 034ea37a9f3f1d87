import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathExists } from '../../src/store/paths.js';

test('pathExists tells files and directories from missing paths', async () => {
  assert.equal(await pathExists(os.tmpdir()), true);
  assert.equal(await pathExists(path.join(os.tmpdir(), 'no-such-file-asr-distill-xyz')), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siblingModuleUrl } from '../../src/jobs/module-url.js';

test('siblingModuleUrl keeps the caller extension', () => {
  assert.equal(siblingModuleUrl('file:///a/b/x.ts', 'w'), 'file:///a/b/w.ts');
  assert.equal(siblingModuleUrl('file:///a/dist/x.js', 'w'), 'file:///a/dist/w.js');
});

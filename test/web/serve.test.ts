import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { request } from 'node:http';
import { serveStatic } from '../../src/web/serve.js';

/** A raw GET (fetch would normalise `..` out of the path before sending it). */
function rawGet(url: string, rawPath: string, method = 'GET'): Promise<{ status: number; type?: string; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: rawPath, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve: files with their content types, / is index.html, 404 for missing, 403 outside the directory, 405 for POST', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'serve-'));
  const site = path.join(root, 'site');
  mkdirSync(path.join(site, 'model'), { recursive: true });
  writeFileSync(path.join(site, 'index.html'), '<p>hi</p>');
  writeFileSync(path.join(site, 'model', 'model.json'), '{}');
  writeFileSync(path.join(site, 'x.wasm'), 'wasm');
  writeFileSync(path.join(root, 'secret.txt'), 'secret');
  const s = await serveStatic(site);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(await rawGet(s.url, '/'), { status: 200, type: 'text/html; charset=utf-8', body: '<p>hi</p>' });
    assert.deepEqual(await rawGet(s.url, '/model/model.json'), { status: 200, type: 'application/json', body: '{}' });
    assert.equal((await rawGet(s.url, '/x.wasm')).type, 'application/wasm');
    assert.equal((await rawGet(s.url, '/x.wasm', 'HEAD')).body, '');
    assert.equal((await rawGet(s.url, '/missing.js')).status, 404);
    assert.equal((await rawGet(s.url, '/model')).status, 404);
    // URL parsing removes dot segments (so /../secret.txt is /secret.txt, missing); an encoded
    // slash survives it and must be refused after decoding.
    assert.equal((await rawGet(s.url, '/../secret.txt')).status, 404);
    assert.equal((await rawGet(s.url, '/..%2fsecret.txt')).status, 403);
    assert.equal((await rawGet(s.url, '/', 'POST')).status, 405);
  } finally {
    await s.close();
  }
  await assert.rejects(serveStatic(path.join(root, 'none')), { name: 'InputError', message: `${path.join(root, 'none')}: not a directory; give the output directory of asr-distill export-web` });
});

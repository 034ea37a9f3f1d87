// `serve`: a minimal static file server on localhost for an exported site (node:http; any static
// server works, e.g. `npx http-server DIR`). Pages loaded from file:// cannot fetch their model.
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { InputError } from '../errors.js';

/** Content types of the files export-web writes (browsers need application/wasm for streaming compilation). */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.wav': 'audio/wav',
};

export interface StaticServer {
  server: Server;
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve `dir` on 127.0.0.1:`port` (0 = any free port). GET and HEAD only; `/` is index.html; paths
 * that leave `dir` are refused (403). Throws an InputError when `dir` is not a directory.
 */
export async function serveStatic(dir: string, port = 0): Promise<StaticServer> {
  const root = path.resolve(dir);
  const st = await fs.stat(root).catch(() => null);
  if (!st?.isDirectory()) throw new InputError(`${dir}: not a directory; give the output directory of asr-distill export-web`);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = path.join(root, rel.endsWith('/') ? `${rel}index.html` : rel);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.stat(file).then(
      (s) => {
        if (!s.isFile()) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': s.size, 'cache-control': 'no-cache' });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new InputError(`port ${port} is in use; choose another with --port`) : e));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { server, url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

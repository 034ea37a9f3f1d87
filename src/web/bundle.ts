// Bundle the page's script (src/web/browser/app.ts and the library modules it imports) with esbuild.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** Node built-ins: the page's modules must import none (the library keeps its Node-only readers in other files). */
const NODE_BUILTIN = /^(node:|(fs|fs\/promises|path|module|url|os|crypto|worker_threads|child_process|stream|util|zlib|http|net)$)/;

export interface PageBundle {
  /** The minified ES module (app.js). */
  code: Uint8Array;
}

/** The browser entry: app.ts when running from source (tsx), app.js from the compiled dist/. */
function entryPoint(): string {
  const ts = fileURLToPath(new URL('./browser/app.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('./browser/app.js', import.meta.url));
}

/**
 * Build app.js. The library modules the page uses import no Node module (features/config.ts and
 * features/cmvn-stats.ts hold the pure parts; their file readers are in config-file.ts and
 * cmvn.ts); an import of a Node built-in anywhere in the bundle fails the build, naming the
 * importing file, so a Node-only import cannot creep into the page unnoticed.
 */
export function bundlePage(): Promise<PageBundle> {
  // The bundle depends only on the source, not on the model: build it once per process.
  bundled ??= buildPage();
  return bundled;
}

let bundled: Promise<PageBundle> | undefined;

/**
 * Fails the build on an import of a Node built-in by our own code, naming the importer (see
 * bundlePage). Packages are left to esbuild: TF.js's wasm glue requires 'fs' only under Node and
 * maps it away in its package.json "browser" field, which esbuild follows.
 */
export const refuseNodeBuiltins: esbuild.Plugin = {
  name: 'refuse-node-builtins',
  setup(build) {
    build.onResolve({ filter: NODE_BUILTIN }, (args) => args.importer.includes(`${path.sep}node_modules${path.sep}`) ? undefined : ({
      errors: [{ text: `${path.relative(process.cwd(), args.importer)} imports the Node module '${args.path}'; the web page may only bundle browser-safe modules (move the Node-only part to its own file)` }],
    }));
  },
};

async function buildPage(): Promise<PageBundle> {
  const result = await esbuild.build({
    entryPoints: [entryPoint()],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    // wav-decoder tests `global.Buffer` (Node's global object).
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    plugins: [refuseNodeBuiltins],
  });
  return { code: result.outputFiles[0].contents };
}

// Bundle the page's script (src/web/browser/app.ts and the library modules it imports) with esbuild.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** Node built-ins the page's modules may import for their Node-only functions (file reading). */
const NODE_BUILTIN = /^(node:)?(fs|fs\/promises|path|module|url|os|crypto|worker_threads|child_process|stream|util|zlib)$/;

export interface PageBundle {
  /** The minified ES module (app.js). */
  code: Uint8Array;
  /** Library modules that import a Node built-in, with the built-in (stubbed; see bundlePage). */
  nodeImports: { importer: string; module: string }[];
}

/** The browser entry: app.ts when running from source (tsx), app.js from the compiled dist/. */
function entryPoint(): string {
  const ts = fileURLToPath(new URL('./browser/app.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('./browser/app.js', import.meta.url));
}

/**
 * Build app.js. Some library modules the page uses hold a Node-only reader beside their pure core
 * (features/config.ts loadFeatureConfig, features/cmvn.ts readCmvn, ...): their Node built-ins
 * become an empty module, so those readers fail if called, which the page never does; the pure
 * functions are bundled as they are. `nodeImports` lists where that happened.
 */
export function bundlePage(): Promise<PageBundle> {
  // The bundle depends only on the source, not on the model: build it once per process.
  bundled ??= buildPage();
  return bundled;
}

let bundled: Promise<PageBundle> | undefined;

async function buildPage(): Promise<PageBundle> {
  const nodeImports: PageBundle['nodeImports'] = [];
  const stubNode: esbuild.Plugin = {
    name: 'stub-node-builtins',
    setup(build) {
      build.onResolve({ filter: NODE_BUILTIN }, (args) => {
        if (!args.importer.includes(`${path.sep}node_modules${path.sep}`)) nodeImports.push({ importer: args.importer, module: args.path });
        return { path: args.path, namespace: 'node-builtin-stub' };
      });
      build.onLoad({ filter: /.*/, namespace: 'node-builtin-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
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
    plugins: [stubNode],
  });
  return { code: result.outputFiles[0].contents, nodeImports };
}

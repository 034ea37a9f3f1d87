// Open an exported site in headless Chromium (offline: only the local server is reachable) and
// transcribe files through its file input. Used by test/web/page.test.ts and bench/web-page.bench.ts.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as path from 'node:path';
import { serveStatic, type StaticServer } from '../../src/web/serve.js';

export interface PageResult {
  words: string;
  score: number;
  decodeMs: number;
  state: string;
  status: string;
}

export interface OpenPage {
  page: Page;
  server: StaticServer;
  /** Requests that failed (any would mean the page is not self-contained). */
  failed: string[];
  /** Milliseconds from navigation to the page's `ready` state (model, graph and backend loaded). */
  loadMs: number;
  transcribe(wav: string): Promise<PageResult>;
  /** Bytes the page downloaded (Resource Timing body sizes, the document included). */
  downloadedBytes(): Promise<number>;
  close(): Promise<void>;
}

/** Headless Chromium at `executablePath` started with `browserArgs` (to open several pages in one: a launch takes seconds). */
export function launchChromium(executablePath: string, browserArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath, args: ['--no-sandbox', ...browserArgs] });
}

/**
 * Serve `site` and open it (with `query`, e.g. `?backend=cpu`) in `browser` (a page of its own,
 * closed by close()), or in a Chromium launched at that path with `browserArgs` (closed by close());
 * throws with the page's status when it fails to load.
 */
export async function openPage(site: string, browserOrPath: Browser | string, query = '', browserArgs: string[] = []): Promise<OpenPage> {
  const server = await serveStatic(site);
  const own = typeof browserOrPath === 'string';
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  try {
    browser = own ? await launchChromium(browserOrPath, browserArgs) : browserOrPath;
    context = await browser.newContext();
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.route('**/*', (route) => (route.request().url().startsWith(server.url) ? route.continue() : route.abort()));
    const t0 = performance.now();
    await page.goto(server.url + query);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
    const loadMs = performance.now() - t0;
    if ((await page.getAttribute('body', 'data-state')) !== 'ready') throw new Error(`the page did not load: ${await page.textContent('#status')}`);
    const b = browser;
    const c = context;
    const closeBrowser = () => (own ? b.close() : c.close());
    return {
      page,
      server,
      failed,
      loadMs,
      transcribe: async (wav) => {
        await page.setInputFiles('#file', wav);
        await page.waitForFunction(
          (name) => document.body.dataset.state === 'error' || (document.body.dataset.state === 'done' && (document.getElementById('stats')?.textContent ?? '').startsWith(`${name}:`)),
          path.basename(wav),
          { timeout: 60_000 },
        );
        return {
          state: (await page.getAttribute('body', 'data-state')) ?? '',
          status: (await page.textContent('#status')) ?? '',
          words: (await page.getAttribute('#result', 'data-words')) ?? '',
          score: Number(await page.getAttribute('#result', 'data-score')),
          decodeMs: Number(await page.getAttribute('#result', 'data-decode-ms')),
        };
      },
      downloadedBytes: () =>
        page.evaluate(() => (performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')) as PerformanceResourceTiming[]).reduce((n, e) => n + e.encodedBodySize, 0)),
      close: async () => {
        await closeBrowser();
        await server.close();
      },
    };
  } catch (e) {
    await (own ? browser?.close() : context?.close());
    await server.close();
    throw e;
  }
}

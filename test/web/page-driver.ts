// Open an exported site in headless Chromium (offline: only the local server is reachable) and
// transcribe files through its file input. Used by test/web/page.test.ts and bench/web-page.bench.ts.
import { chromium, type Browser, type Page } from 'playwright-core';
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

/**
 * Serve `site` and open it (with `query`, e.g. `?backend=cpu`) in Chromium at `executablePath`
 * started with `browserArgs`;
 * throws with the page's status when it fails to load.
 */
export async function openPage(site: string, executablePath: string, query = '', browserArgs: string[] = []): Promise<OpenPage> {
  const server = await serveStatic(site);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', ...browserArgs] });
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.route('**/*', (route) => (route.request().url().startsWith(server.url) ? route.continue() : route.abort()));
    const t0 = performance.now();
    await page.goto(server.url + query);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
    const loadMs = performance.now() - t0;
    if ((await page.getAttribute('body', 'data-state')) !== 'ready') throw new Error(`the page did not load: ${await page.textContent('#status')}`);
    const b = browser;
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
        await b.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}

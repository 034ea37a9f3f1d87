// Headless Chromium for the page tests (playwright-core drives the installed browser; it downloads none).
import { existsSync } from 'node:fs';

/** The Chromium binary: $CHROMIUM, else Debian's /usr/bin/chromium; undefined when none is installed. */
export function chromiumPath(): string | undefined {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  return undefined;
}

/** The skip message of browser tests on a machine without Chromium (CI installs it: test/web/install-chromium.sh). */
export const NO_CHROMIUM = 'no Chromium installed (apt-get install chromium, or set CHROMIUM=/path/to/chrome): browser tests skipped';

/**
 * The URL of a sibling module to load in a worker. Under the test runner the sources run as .ts
 * (through tsx); from `dist/` they are .js. `name` is given without extension.
 */
export function siblingModuleUrl(importMetaUrl: string, name: string): string {
  const ext = importMetaUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, importMetaUrl).href;
}

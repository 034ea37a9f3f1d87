import { main } from '../../src/cli/main.js';

/** Run the CLI in-process and capture what it prints; resets process.exitCode afterwards. */
export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const write = process.stdout.write.bind(process.stdout);
  const ewrite = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  // The test runner's own events go through stdout as Buffers: pass those through, capture strings.
  process.stdout.write = ((s: string | Uint8Array, ...rest: any[]) =>
    typeof s === 'string' ? ((stdout += s), true) : write(s, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: any[]) =>
    typeof s === 'string' ? ((stderr += s), true) : ewrite(s, ...rest)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'asr-distill', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = write;
    process.stderr.write = ewrite;
    process.exitCode = 0;
  }
}

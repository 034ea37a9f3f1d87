// Assembles src/features/fbank.wat into src/features/fbank-wasm.ts (the module's bytes, base64)
// with wabt's wat2wasm (a devDependency: the runtime needs only the bytes): `node scripts/build-fbank-wasm.mjs`.
// test/features/real-fft.test.ts checks the committed bytes against this assembly.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WAT_FILE = path.join(root, 'src/features/fbank.wat');
export const TS_FILE = path.join(root, 'src/features/fbank-wasm.ts');

/** A .wat file assembled (wabt, SIMD enabled), base64 (also used by build-update-wasm.mjs). */
export async function assembleWat(watFile) {
  const wabt = await (await import('wabt')).default();
  const module = wabt.parseWat(path.basename(watFile), readFileSync(watFile, 'utf8'), { simd: true });
  module.validate();
  return Buffer.from(module.toBinary({}).buffer).toString('base64');
}

/** fbank.wat assembled, base64. */
export async function assembleFbankWat() {
  return assembleWat(WAT_FILE);
}

/** The generated TypeScript module holding `base64`. */
export function fbankWasmSource(base64) {
  return `// Generated from fbank.wat (WebAssembly text, beside this file) by wabt's wat2wasm (npm wabt
// 1.0.39, SIMD enabled): \`node scripts/build-fbank-wasm.mjs\`
// after editing the .wat. Loaded by wasm-kernels.ts; tests compare it with the JavaScript code.
/** fbank.wat assembled, base64. */
export const FBANK_WASM =
  '${base64}';
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(TS_FILE, fbankWasmSource(await assembleFbankWat()));
  console.log(`wrote ${path.relative(root, TS_FILE)}`);
}

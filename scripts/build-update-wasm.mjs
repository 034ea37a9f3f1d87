// Assembles src/nnet/ort/update.wat (the ORT trainer's fused optimizer update) into
// src/nnet/ort/update-wasm.ts, as build-fbank-wasm.mjs does for fbank: `node scripts/build-update-wasm.mjs`.
// test/nnet/ort/update.test.ts checks the committed bytes against this assembly.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { assembleWat } from './build-fbank-wasm.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WAT_FILE = path.join(root, 'src/nnet/ort/update.wat');
export const TS_FILE = path.join(root, 'src/nnet/ort/update-wasm.ts');

/** update.wat assembled, base64. */
export async function assembleUpdateWat() {
  return assembleWat(WAT_FILE);
}

/** The generated TypeScript module holding `base64`. */
export function updateWasmSource(base64) {
  return `// Generated from update.wat (WebAssembly text, beside this file) by wabt's wat2wasm (npm wabt,
// SIMD enabled): \`node scripts/build-update-wasm.mjs\` after editing the .wat. Loaded by update.ts.
/** update.wat assembled, base64. */
export const UPDATE_WASM =
  '${base64}';
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(TS_FILE, updateWasmSource(await assembleUpdateWat()));
  console.log(`wrote ${path.relative(root, TS_FILE)}`);
}

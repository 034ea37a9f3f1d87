// Content identities for what the stages write: sha256 of bytes (weights files) and of canonical
// JSON (configurations), so that a reader can tell "the same thing" from "something else with the
// same shape" (a corrupted file of the right size, features made with another configuration).
import { createHash } from 'node:crypto';

/** The size and sha256 of a file's bytes, as recorded next to it (e.g. in a model's asr-distill.json). */
export interface FileChecksum {
  bytes: number;
  /** Lower-case hex. */
  sha256: string;
}

/** sha256 of `data` (a string is hashed as UTF-8), lower-case hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The size and sha256 of `bytes`. */
export function fileChecksum(bytes: Uint8Array): FileChecksum {
  return { bytes: bytes.length, sha256: sha256Hex(bytes) };
}

/**
 * JSON with object keys sorted (C order) at every level and no whitespace, so that equal values
 * always give the same text whatever order their keys were written in (the idea of RFC 8785; our
 * configurations hold only strings, booleans, finite numbers and nested objects, for which
 * JSON.stringify's number formatting is already the canonical one). Hand-written: ~10 lines, not
 * worth a dependency.
 * @example canonicalJson({ b: 1, a: { d: true, c: 'x' } }) // '{"a":{"c":"x","d":true},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `sha256:<hex>` of the canonical JSON of `value`: the identity of a configuration. */
export function configHash(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}

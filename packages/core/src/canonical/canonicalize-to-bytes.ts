import { canonicalize } from './canonicalize.js'

const encoder = new TextEncoder()

/**
 * The UTF-8 bytes of {@link canonicalize}: what gets hashed and signed.
 *
 * @example
 * canonicalizeToBytes({ a: '€' }) // Uint8Array [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0xac, 0x22, 0x7d]
 */
export function canonicalizeToBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value))
}

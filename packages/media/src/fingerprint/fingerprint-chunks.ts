import { MintmarkError } from '@mintmark/core'
import type { PdqHash } from '../pdq/dct-to-hash.js'

/** Number of 16-bit substrings a 256-bit PDQ hash is split into for multi-index hashing. */
export const fingerprintChunkCount = 16
/** Bits per substring. */
export const fingerprintChunkBits = 16
/** The reference's match threshold: hashes within this Hamming distance are the same image. */
export const fingerprintMatchDistance = 31

const hashPattern = /^[0-9a-f]{64}$/i

/**
 * The 16 substrings of a PDQ hash, substring i being hex digits 4i..4i+3 (16 bits each), the
 * form a backend stores as `(chunk_no, chunk_value, id)` rows.
 *
 * @throws MintmarkError `INPUT_INVALID` when `hash` is not 64 hex digits.
 */
export function fingerprintChunks(hash: PdqHash): number[] {
  assertPdqHash(hash)
  const chunks: number[] = []
  for (let i = 0; i < fingerprintChunkCount; i++) chunks.push(Number.parseInt(hash.slice(4 * i, 4 * i + 4), 16))
  return chunks
}

/**
 * The chunk values to probe for one query so that every stored hash within `maxDistance` bits
 * shares at least one probed `(chunk_no, chunk_value)` (pigeonhole: with 16 chunks, a distance
 * ≤ d leaves some chunk within ⌊d/16⌋ bits). For d ≤ 31 that is the exact chunk plus its 16
 * one-bit neighbours: 17 values per chunk, 272 probes.
 *
 * @throws MintmarkError `INPUT_INVALID` for a malformed hash or a radius outside 0–63.
 */
export function fingerprintProbes(hash: PdqHash, maxDistance: number = fingerprintMatchDistance): FingerprintProbe[] {
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 63) {
    throw new MintmarkError('INPUT_INVALID', 'maxDistance must be an integer from 0 to 63.', { fields: ['maxDistance'] })
  }
  const radius = Math.floor(maxDistance / fingerprintChunkCount)
  return fingerprintChunks(hash).map((value, chunkNo) => ({ chunkNo, values: ball16(value, radius) }))
}

export type FingerprintProbe = { chunkNo: number; values: number[] }

/** Every 16-bit value within `radius` bits of `value` (radius ≤ 3). */
function ball16(value: number, radius: number): number[] {
  const out = [value]
  if (radius >= 1) for (let a = 0; a < 16; a++) out.push(value ^ (1 << a))
  if (radius >= 2) for (let a = 0; a < 16; a++) for (let b = a + 1; b < 16; b++) out.push(value ^ (1 << a) ^ (1 << b))
  if (radius >= 3) {
    for (let a = 0; a < 16; a++)
      for (let b = a + 1; b < 16; b++) for (let c = b + 1; c < 16; c++) out.push(value ^ (1 << a) ^ (1 << b) ^ (1 << c))
  }
  return out
}

/** @internal */
export function assertPdqHash(hash: unknown, field = 'hash'): asserts hash is PdqHash {
  if (typeof hash !== 'string' || !hashPattern.test(hash)) {
    throw new MintmarkError('INPUT_INVALID', 'A PDQ hash must be 64 hexadecimal digits.', { fields: [field] })
  }
}

/** @internal 64 hex digits → eight 32-bit words (text order). */
export function hashToWords(hash: PdqHash, out: Uint32Array = new Uint32Array(8), offset = 0): Uint32Array {
  for (let i = 0; i < 8; i++) out[offset + i] = Number.parseInt(hash.slice(8 * i, 8 * i + 8), 16) >>> 0
  return out
}

/** @internal */
export function wordsToHash(words: Uint32Array, offset = 0): PdqHash {
  let hex = ''
  for (let i = 0; i < 8; i++) hex += (words[offset + i] as number).toString(16).padStart(8, '0')
  return hex
}

/** @internal Hamming distance between two 8-word hashes. */
export function wordDistance(a: Uint32Array, aOffset: number, b: Uint32Array, bOffset: number): number {
  let d = 0
  for (let i = 0; i < 8; i++) {
    let v = ((a[aOffset + i] as number) ^ (b[bOffset + i] as number)) >>> 0
    v -= (v >>> 1) & 0x55555555
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
    d += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
  }
  return d
}

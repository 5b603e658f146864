/** A PDQ hash: 64 lowercase hex digits (256 bits) in the reference's text order. */
export type PdqHash = string

/** The hash the reference gives images too small to hash (fewer than 5 px on a side). */
export const pdqEmptyHash: PdqHash = '0'.repeat(64)

/**
 * Thresholds a 16×16 DCT block at its median: bit i·16+j is set when coefficient (i, j) is
 * strictly greater than the median (the 128th smallest value, as the reference's Torben median
 * returns for 256 values).
 *
 * Text order follows the reference's Hash256: sixteen 16-bit words, word i holding row i with
 * column j at bit j, printed from word 15 down to word 0 as four hex digits each.
 */
export function dctToHash(dct: Float64Array): PdqHash {
  const median = Float64Array.from(dct).sort()[127] as number
  const words = new Uint16Array(16)
  for (let i = 0; i < 16; i++) {
    let word = 0
    for (let j = 0; j < 16; j++) if ((dct[i * 16 + j] as number) > median) word |= 1 << j
    words[i] = word
  }
  let hex = ''
  for (let i = 15; i >= 0; i--) hex += (words[i] as number).toString(16).padStart(4, '0')
  return hex
}

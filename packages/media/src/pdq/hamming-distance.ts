import { MintmarkError } from '@mintmark/core'

const hashPattern = /^[0-9a-f]{64}$/i

/**
 * Number of differing bits between two PDQ hashes (64 hex digits each). The reference calls
 * distance ≤ 31 a match for matching purposes; its own tests accept ≤ 16 between decoders.
 *
 * @throws MintmarkError `INPUT_INVALID` when either argument is not 64 hex digits.
 */
export function hammingDistance(hexA: string, hexB: string): number {
  const bad = [hexA, hexB].flatMap((h, i) => (typeof h === 'string' && hashPattern.test(h) ? [] : [i === 0 ? 'hexA' : 'hexB']))
  if (bad.length > 0) {
    throw new MintmarkError('INPUT_INVALID', 'A PDQ hash must be 64 hexadecimal digits.', { fields: bad })
  }
  let distance = 0
  for (let i = 0; i < 64; i += 8) {
    distance += popcount32((Number.parseInt(hexA.slice(i, i + 8), 16) ^ Number.parseInt(hexB.slice(i, i + 8), 16)) >>> 0)
  }
  return distance
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number
}

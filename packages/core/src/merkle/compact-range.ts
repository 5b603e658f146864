import { MintmarkError } from '../errors/base.js'
import { isHash, isSafeCount, popcount } from './tree-math.js'
import type { CompactRange } from './types.js'

/** The compact range of the empty tree. */
export const emptyCompactRange: CompactRange = Object.freeze({
  size: 0,
  peaks: Object.freeze([]) as unknown as Uint8Array[],
})

/** Throws INPUT_INVALID unless `range` has a safe size and one 32-byte peak per set bit of it. */
export function assertCompactRange(range: CompactRange): void {
  const ok =
    range !== null &&
    typeof range === 'object' &&
    isSafeCount(range.size) &&
    Array.isArray(range.peaks) &&
    range.peaks.length === popcount(range.size) &&
    range.peaks.every(isHash)
  if (!ok)
    throw new MintmarkError('INPUT_INVALID', 'The compact range is malformed.', {
      details: 'expected { size, peaks } with one 32-byte peak per set bit of size',
    })
}

import { assertCompactRange } from './compact-range.js'
import { emptyRoot } from './empty-root.js'
import { foldPeaks } from './tree-math.js'
import type { CompactRange } from './types.js'

/** The RFC 6962 root of the tree a compact range covers: its peaks folded right to left. */
export function compactRangeRoot(range: CompactRange): Uint8Array {
  assertCompactRange(range)
  if (range.size === 0) return emptyRoot.slice()
  return foldPeaks(range.peaks).slice()
}

import { MintmarkError } from '../errors/base.js'
import { assertCompactRange } from './compact-range.js'
import { nodeHash } from './node-hash.js'
import { assertHash } from './tree-math.js'
import type { CompactRange, StoredNode } from './types.js'

export type AppendLeavesReturnType = {
  range: CompactRange
  /** Every perfect node completed by the append, leaves (level 0) included, in creation order. */
  nodes: StoredNode[]
}

/**
 * Appends leaf hashes to a compact range. Returns the new range (the input is not changed) and
 * every perfect node the append completed, which is exactly what a store must write so that
 * later plans ({@link rootPlan}, {@link inclusionProofPlan}, …) find all their nodes. Amortised
 * two hashes per leaf. Throws INPUT_INVALID for a malformed range or a hash that is not 32 bytes.
 */
export function appendLeaves(range: CompactRange, leafHashes: readonly Uint8Array[]): AppendLeavesReturnType {
  assertCompactRange(range)
  if (!Array.isArray(leafHashes)) throw new MintmarkError('INPUT_INVALID', 'leafHashes must be an array.')
  if (!Number.isSafeInteger(range.size + leafHashes.length))
    throw new MintmarkError('MERKLE_INDEX_OUT_OF_RANGE', 'The tree would grow past Number.MAX_SAFE_INTEGER leaves.')
  leafHashes.forEach((h, i) => assertHash(h, `leafHashes[${i}]`))

  const peaks = range.peaks.slice()
  const nodes: StoredNode[] = []
  let size = range.size
  for (const leaf of leafHashes) {
    let hash = leaf.slice()
    let level = 0
    let index = size
    nodes.push({ level, index, hash })
    // Each trailing 1 bit of the old size is a peak the new node completes a parent with.
    for (let s = size; s % 2 === 1; s = (s - 1) / 2) {
      hash = nodeHash(peaks.pop() as Uint8Array, hash)
      level++
      index = Math.floor(index / 2)
      nodes.push({ level, index, hash })
    }
    peaks.push(hash)
    size++
  }
  return { range: { size, peaks }, nodes }
}

import { MintmarkError } from '../errors/base.js'
import { assertSafeCount, largestPowerOfTwoBelow, planSegments, type Segment } from './tree-math.js'
import type { ProofPlan } from './types.js'

/**
 * Plans the inclusion proof of leaf `leafIndex` in the tree of size `treeSize` (RFC 9162 §2.1.3.1,
 * PATH(m, D[n])). The proof is the hash of each sibling subtree on the way from the leaf to the
 * root; at most one sibling is an incomplete right-edge subtree, so the plan needs at most about
 * 2·log2(n) stored nodes. Throws MERKLE_INDEX_OUT_OF_RANGE unless 0 ≤ leafIndex < treeSize.
 */
export function inclusionProofPlan(leafIndex: number, treeSize: number): ProofPlan {
  assertSafeCount(leafIndex, 'leafIndex')
  assertSafeCount(treeSize, 'treeSize')
  if (leafIndex >= treeSize)
    throw new MintmarkError('MERKLE_INDEX_OUT_OF_RANGE', 'The leaf index is outside the tree.', {
      details: `leafIndex ${leafIndex} is not below treeSize ${treeSize}`,
    })
  // Walk from the root down to the leaf, noting the sibling of each step; the proof lists them
  // leaf-first, so reverse at the end.
  const siblings: Segment[] = []
  let start = 0
  let end = treeSize
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start)
    if (leafIndex < start + k) {
      siblings.push([start + k, end])
      end = start + k
    } else {
      siblings.push([start, start + k])
      start += k
    }
  }
  return planSegments(siblings.reverse())
}

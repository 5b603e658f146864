import { emptyRoot } from './empty-root.js'
import { assertSafeCount, planSegments } from './tree-math.js'
import type { RootPlan } from './types.js'

/**
 * Plans the root hash of the tree of the first `treeSize` leaves: the perfect nodes covering
 * [0, treeSize) (one per set bit of the size), folded right to left. Size 0 needs no nodes and
 * gives {@link emptyRoot}. Throws MERKLE_INDEX_OUT_OF_RANGE for a size that is not a safe integer.
 */
export function rootPlan(treeSize: number): RootPlan {
  assertSafeCount(treeSize, 'treeSize')
  if (treeSize === 0) {
    const empty = planSegments([])
    return {
      nodes: empty.nodes,
      assemble: (hashes) => {
        empty.assemble(hashes)
        return emptyRoot.slice()
      },
    }
  }
  const plan = planSegments([[0, treeSize]])
  return { nodes: plan.nodes, assemble: (hashes) => plan.assemble(hashes)[0] as Uint8Array }
}

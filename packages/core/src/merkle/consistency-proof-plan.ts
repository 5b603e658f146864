import { MintmarkError } from '../errors/base.js'
import { assertSafeCount, largestPowerOfTwoBelow, planSegments, type Segment } from './tree-math.js'
import type { ProofPlan } from './types.js'

/**
 * Plans the consistency proof between the trees of sizes `oldSize` and `newSize` (RFC 9162
 * §2.1.4.1, PROOF(m, D[n]) = SUBPROOF(m, D[n], true)). Equal sizes give an empty proof. Needs
 * O(log n) stored nodes. Throws MERKLE_INDEX_OUT_OF_RANGE unless 0 < oldSize ≤ newSize.
 */
export function consistencyProofPlan(oldSize: number, newSize: number): ProofPlan {
  assertSafeCount(oldSize, 'oldSize')
  assertSafeCount(newSize, 'newSize')
  if (oldSize === 0 || oldSize > newSize)
    throw new MintmarkError('MERKLE_INDEX_OUT_OF_RANGE', 'A consistency proof needs 0 < oldSize <= newSize.', {
      details: `oldSize ${oldSize}, newSize ${newSize}`,
    })
  // SUBPROOF unrolled: `m` is the old size relative to `start`; `haveRoot` is the RFC's flag b,
  // false once the old tree's root is no longer a node on our path (it must then be sent).
  const parts: Segment[] = []
  let start = 0
  let end = newSize
  let m = oldSize
  let haveRoot = true
  for (;;) {
    if (m === end - start) {
      if (!haveRoot) parts.push([start, end])
      break
    }
    const k = largestPowerOfTwoBelow(end - start)
    if (m <= k) {
      parts.push([start + k, end])
      end = start + k
    } else {
      parts.push([start, start + k])
      start += k
      m -= k
      haveRoot = false
    }
  }
  return planSegments(parts.reverse())
}

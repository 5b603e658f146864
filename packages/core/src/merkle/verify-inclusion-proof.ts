import { nodeHash } from './node-hash.js'
import { equalBytes, isHash, isSafeCount, maxProofLength } from './tree-math.js'

export type VerifyInclusionProofParameters = {
  leafHash: Uint8Array
  leafIndex: number
  treeSize: number
  /** Sibling hashes, leaf to root (RFC 9162 §2.1.3.1 order). */
  proof: readonly Uint8Array[]
  root: Uint8Array
}

/**
 * Checks an inclusion proof with the algorithm of RFC 9162 §2.1.3.2. Returns false, never throws,
 * for any bad input: index outside the tree, a proof of the wrong length, hashes that are not 32
 * bytes, or a root that does not match.
 */
export function verifyInclusionProof(parameters: VerifyInclusionProofParameters): boolean {
  try {
    const { leafHash, leafIndex, treeSize, proof, root } = parameters
    if (!isSafeCount(leafIndex) || !isSafeCount(treeSize) || leafIndex >= treeSize) return false
    if (!isHash(leafHash) || !isHash(root) || !Array.isArray(proof) || proof.length > maxProofLength) return false
    if (!proof.every(isHash)) return false
    // fn: the node's index at the current level; sn: the index of the last node of the tree at
    // that level. Integer halving instead of >> keeps sizes above 2^31 exact.
    let fn = leafIndex
    let sn = treeSize - 1
    let r = leafHash
    for (const p of proof) {
      if (sn === 0) return false
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r)
        // A right-edge node without a right sibling is lifted until it is a right child again.
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2
          sn = Math.floor(sn / 2)
        }
      } else {
        r = nodeHash(r, p)
      }
      fn = Math.floor(fn / 2)
      sn = Math.floor(sn / 2)
    }
    return sn === 0 && equalBytes(r, root)
  } catch {
    return false
  }
}

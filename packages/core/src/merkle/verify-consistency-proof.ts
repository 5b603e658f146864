import { emptyRoot } from './empty-root.js'
import { nodeHash } from './node-hash.js'
import { equalBytes, isHash, isSafeCount, maxProofLength } from './tree-math.js'

export type VerifyConsistencyProofParameters = {
  oldSize: number
  newSize: number
  oldRoot: Uint8Array
  newRoot: Uint8Array
  proof: readonly Uint8Array[]
}

/**
 * Checks a consistency proof with the algorithm of RFC 9162 §2.1.4.2. Returns false, never throws,
 * on any bad input. Equal sizes need an empty proof and equal roots. An old size of 0 needs an
 * empty proof and the old root must be the empty-tree hash (stricter than some implementations,
 * which accept any old root there).
 */
export function verifyConsistencyProof(parameters: VerifyConsistencyProofParameters): boolean {
  try {
    const { oldSize, newSize, oldRoot, newRoot, proof } = parameters
    if (!isSafeCount(oldSize) || !isSafeCount(newSize) || oldSize > newSize) return false
    if (!isHash(oldRoot) || !isHash(newRoot) || !Array.isArray(proof) || proof.length > maxProofLength) return false
    if (!proof.every(isHash)) return false
    if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot)
    if (oldSize === 0) return proof.length === 0 && equalBytes(oldRoot, emptyRoot)
    if (proof.length === 0) return false

    // When the old tree is a perfect subtree its root is a node of the new tree and the proof
    // omits it; put it back in front (step 2).
    const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof
    let fn = oldSize - 1
    let sn = newSize - 1
    while (fn % 2 === 1) {
      fn = (fn - 1) / 2
      sn = Math.floor(sn / 2)
    }
    let fr = path[0] as Uint8Array
    let sr = fr
    for (let i = 1; i < path.length; i++) {
      const c = path[i] as Uint8Array
      if (sn === 0) return false
      if (fn % 2 === 1 || fn === sn) {
        fr = nodeHash(c, fr)
        sr = nodeHash(c, sr)
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2
          sn = Math.floor(sn / 2)
        }
      } else {
        sr = nodeHash(sr, c)
      }
      fn = Math.floor(fn / 2)
      sn = Math.floor(sn / 2)
    }
    return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot)
  } catch {
    return false
  }
}

function isPowerOfTwo(n: number): boolean {
  let x = n
  while (x > 1 && x % 2 === 0) x /= 2
  return x === 1
}

import { emptyRoot } from './empty-root.js'
import { nodeHash } from './node-hash.js'
import { assertHash, largestPowerOfTwoBelow } from './tree-math.js'

/**
 * The reference Merkle Tree Hash (RFC 6962 §2.1), written as the plain recursion of the RFC:
 * MTH({}) = SHA-256(), MTH({d0}) = leaf hash, MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])) with k
 * the largest power of two below n. O(n) hashes; used to cross-check the incremental code.
 * Throws INPUT_INVALID for a hash that is not 32 bytes.
 */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  leafHashes.forEach((h, i) => assertHash(h, `leafHashes[${i}]`))
  if (leafHashes.length === 0) return emptyRoot.slice()
  return mth(leafHashes, 0, leafHashes.length)
}

function mth(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start
  if (n === 1) return (leaves[start] as Uint8Array).slice()
  const k = largestPowerOfTwoBelow(n)
  return nodeHash(mth(leaves, start, start + k), mth(leaves, start + k, end))
}

import { sha256 } from '@noble/hashes/sha2.js'

const nodePrefix = new Uint8Array([0x01])

/** RFC 6962 §2.1 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(nodePrefix).update(left).update(right).digest()
}

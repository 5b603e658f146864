import { sha256 } from '@noble/hashes/sha2.js'

const leafPrefix = new Uint8Array([0x00])

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256.create().update(leafPrefix).update(data).digest()
}

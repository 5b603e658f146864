import { createHash } from 'node:crypto'
import { type CidProfileName, type ContentHashResult, type ContentId, cidProfiles, createContentHasher } from '@mintmark/core'
import { nodeSha256 } from '@mintmark/storage'

/**
 * CID, SHA-256 and size of bytes held in memory, as `createContentHasher` computes them, in one
 * SHA-256 pass and without a copy when the content fits in one chunk: such a file is its raw leaf
 * (ADR 0004: up to 256 KiB both profiles give the raw `bafkrei…` CID), whose digest is the
 * SHA-256 of the whole content. Larger content goes through the
 * streaming hasher. (The hasher copies a lone full chunk in case it is the whole file: a fresh
 * 1 MiB allocation per verified upload.)
 */
export function hashInMemory(bytes: Uint8Array, profile: CidProfileName): ContentHashResult {
  if (bytes.length > cidProfiles[profile].chunkSize) {
    const hasher = createContentHasher({ profile, sha256: nodeSha256 })
    hasher.update(bytes)
    return hasher.finish()
  }
  const digest = createHash('sha256').update(bytes).digest()
  return { cid: rawLeafCid(digest), sha256: digest.toString('hex'), size: bytes.length }
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'

/** CIDv1, raw codec (0x55), sha2-256 multihash (0x12, 32 bytes), multibase base32 lower ('b'). */
function rawLeafCid(digest: Uint8Array): ContentId {
  const bytes = Uint8Array.of(0x01, 0x55, 0x12, 0x20, ...digest)
  let out = 'b'
  let bits = 0
  let value = 0
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out as ContentId
}

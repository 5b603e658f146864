import { bytesToHex } from '@noble/hashes/utils.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import type { ContentHashResult, ContentId } from './content-id.js'
import { type CreateContentHasherParameters, createContentHasher } from './create-content-hasher.js'
import { nobleSha256 } from './noble-sha256.js'
import { resolveCidProfile } from './resolve-cid-profile.js'

export type HashBytesParameters = CreateContentHasherParameters
export type { CreateContentHasherErrorType as HashBytesErrorType } from './create-content-hasher.js'

const sha256Code = 0x12

/**
 * Content address (CIDv1 under the profile), SHA-256 and size of bytes held in memory.
 * For files or streams use {@link createContentHasher} (or `hashFile` in `@mintmark/storage`).
 * Bytes that fit in one chunk are one raw leaf under every profile: their SHA-256 is computed
 * once, straight from the caller's buffer (no copy), and is also the leaf's digest.
 * @example hashBytes(new TextEncoder().encode('hello world')).cid // 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
 */
export function hashBytes(bytes: Uint8Array, parameters: HashBytesParameters = {}): ContentHashResult {
  if (bytes instanceof Uint8Array && bytes.length <= resolveCidProfile(parameters.profile).chunkSize) {
    const digest = (parameters.sha256 ?? nobleSha256).digest(bytes)
    const cid = CID.createV1(raw.code, Digest.create(sha256Code, digest)).toString() as ContentId
    return { cid, sha256: bytesToHex(digest), size: bytes.length }
  }
  const hasher = createContentHasher(parameters)
  hasher.update(bytes)
  return hasher.finish()
}

import type { ContentHashResult } from './content-id.js'
import { type CreateContentHasherParameters, createContentHasher } from './create-content-hasher.js'

export type HashBytesParameters = CreateContentHasherParameters
export type { CreateContentHasherErrorType as HashBytesErrorType } from './create-content-hasher.js'

/**
 * Content address (CIDv1 under the profile), SHA-256 and size of bytes held in memory.
 * For files or streams use {@link createContentHasher} (or `hashFile` in `@mintmark/storage`).
 * @example hashBytes(new TextEncoder().encode('hello world')).cid // 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
 */
export function hashBytes(bytes: Uint8Array, parameters: HashBytesParameters = {}): ContentHashResult {
  const hasher = createContentHasher(parameters)
  hasher.update(bytes)
  return hasher.finish()
}

export type { CidProfile, CidProfileName } from './cid-profiles.js'
export { cidProfiles, defaultCidProfileName } from './cid-profiles.js'
export type { ContentHashResult, ContentId } from './content-id.js'
export type {
  ContentHasher,
  CreateContentHasherErrorType,
  CreateContentHasherParameters,
} from './create-content-hasher.js'
export { createContentHasher } from './create-content-hasher.js'
export type { HashBytesErrorType, HashBytesParameters } from './hash-bytes.js'
export { hashBytes } from './hash-bytes.js'
export { isContentId } from './is-content-id.js'
export { nobleSha256 } from './noble-sha256.js'
export type { ParseContentIdErrorType } from './parse-content-id.js'
export { contentIdLength, parseContentId } from './parse-content-id.js'
export { maxCustomChunkSize, maxCustomLinks, resolveCidProfile } from './resolve-cid-profile.js'
export type { Sha256Hash, Sha256Provider } from './sha256-provider.js'
export { toContentId } from './to-content-id.js'

export { createFingerprintIndex, type FingerprintIndex, type FingerprintIndexOptions, type FingerprintMatch, type FingerprintQuery, type FingerprintQueryOptions } from './create-fingerprint-index.js'
export { createMemoryFingerprintBackend, type MemoryFingerprintBackendOptions } from './create-memory-fingerprint-backend.js'
export type { FingerprintBackend, FingerprintCandidate, FingerprintEntry, FingerprintNear } from './fingerprint-backend.js'
export { fingerprintChunkBits, fingerprintChunkCount, fingerprintChunks, fingerprintMatchDistance, type FingerprintProbe, fingerprintProbes } from './fingerprint-chunks.js'
export { type FindSimilarImagesOptions, type FindSimilarImagesReturnType, findSimilarImages } from './find-similar-images.js'
export {
  type ImageFingerprint,
  type ImageFingerprintAlgorithm,
  type ImageFingerprintIndexes,
  type ImageFingerprintVariant,
  type ImageLookupHashes,
  imageFingerprintAlgorithms,
  imageFingerprints,
  imageLookupHashes,
  queryImageFingerprints,
  registeredCentreCrops,
} from './image-fingerprints.js'

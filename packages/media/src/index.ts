// biome-ignore lint/performance/noBarrelFile: package entrypoint
export { decodeImage, type DecodedImage, type DecodeImageOptions, defaultMaxPixels, type ImageLimits, pdqDihedralImage, pdqHashImage, probeImage, type ProbeImageReturnType, sniffImageFormat } from './image/index.js'
export { hammingDistance, pdqDihedral, pdqHashPixels, type PdqHash, type PdqPixels } from './pdq/index.js'
export { createFingerprintIndex, createMemoryFingerprintBackend, type FingerprintBackend, type FingerprintCandidate, type FingerprintEntry, type FingerprintIndex, type FingerprintMatch, type FingerprintProbe, type FingerprintQuery, fingerprintChunks, fingerprintMatchDistance, fingerprintProbes, findSimilarImages } from './fingerprint/index.js'
export { detectWatermark, type DetectWatermarkParameters, type DetectWatermarkReturnType, embedWatermark, type EmbedWatermarkParameters, type EmbedWatermarkReturnType, type WatermarkKey } from './watermark/index.js'
export { type C2paIngredient, type C2paManifestInput, type C2paManifestSummary, type C2paSignerInput, readC2pa, type ReadC2paOptions, type ReadC2paReturnType, softBindingAlgorithms, writeC2pa, type WriteC2paParameters } from './c2pa/index.js'

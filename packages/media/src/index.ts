// biome-ignore lint/performance/noBarrelFile: package entrypoint
export { decodeImage, type DecodedImage, type DecodeImageOptions, defaultMaxPixels, type ImageLimits, pdqDihedralImage, pdqHashImage, probeImage, type ProbeImageReturnType, sniffImageFormat } from './image/index.js'
export { hammingDistance, pdqDihedral, pdqHashPixels, type PdqHash, type PdqPixels } from './pdq/index.js'

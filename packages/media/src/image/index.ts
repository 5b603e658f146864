export { type DecodedImage, type DecodeImageOptions, decodeImage } from './decode-image.js'
export { findImageEnd } from './find-image-end.js'
export { defaultMaxPixels, type ImageLimits } from './inspect-image.js'
export {
  type PdqDihedralImageReturnType,
  type PdqHashImageOptions,
  type PdqHashImageReturnType,
  pdqDihedralImage,
  pdqHashImage,
  pdqThumbnailSize,
} from './pdq-hash-image.js'
export { type ProbeImageOptions, type ProbeImageReturnType, probeImage } from './probe-image.js'
export { restrictImageLoaders } from './restrict-image-loaders.js'
export {
  type ImageFormat,
  imageFormats,
  imageMediaTypes,
  type RefusedFormat,
  type SniffImageFormatReturnType,
  sniffImageFormat,
} from './sniff-image-format.js'

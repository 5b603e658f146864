import { MintmarkError } from '@mintmark/core'
import sharp, { type Metadata } from 'sharp'
import { findImageEnd } from './find-image-end.js'
import { restrictImageLoaders } from './restrict-image-loaders.js'
import { type ImageFormat, imageFormats, sniffImageFormat } from './sniff-image-format.js'

/** Limits applied to untrusted image bytes before any pixel is decoded. */
export type ImageLimits = {
  /** Refuse images with more pixels than this (width × height of the first frame). Default 50,000,000. */
  maxPixels?: number | undefined
  /** Formats to accept, sniffed from magic bytes. Default: jpeg, png, webp, gif, avif, tiff. */
  allowedFormats?: readonly ImageFormat[] | undefined
  /**
   * Accept bytes after the image's logical end (PNG IEND, JPEG EOI, GIF trailer, WebP RIFF size).
   * Default false: trailing data is how polyglots (image + ZIP/HTML/script) are made. Zero padding
   * and a JPEG trailer that is itself a JPEG (MPF secondary images) are always accepted.
   */
  allowTrailingData?: boolean | undefined
}

export const defaultMaxPixels = 50_000_000

export type InspectedImage = {
  format: ImageFormat
  mediaType: string
  width: number
  height: number
  metadata: Metadata
  maxPixels: number
}

/**
 * Sniffs, checks the container and reads the header (no pixel decode) of untrusted bytes:
 * the shared gate of `decodeImage` and `probeImage`.
 */
export async function inspectImage(bytes: Uint8Array, limits: ImageLimits = {}): Promise<InspectedImage> {
  const maxPixels = limits.maxPixels ?? defaultMaxPixels
  const allowedFormats = limits.allowedFormats ?? imageFormats
  if (!(bytes instanceof Uint8Array)) {
    throw new MintmarkError('INPUT_INVALID', 'Image bytes must be a Uint8Array.', { fields: ['bytes'] })
  }
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    throw new MintmarkError('INPUT_INVALID', 'maxPixels must be a positive integer.', { fields: ['maxPixels'] })
  }

  const sniffed = sniffImageFormat(bytes)
  if (sniffed === undefined || !sniffed.supported || !allowedFormats.includes(sniffed.format)) {
    const what = sniffed === undefined ? 'unrecognised bytes' : sniffed.format
    throw new MintmarkError('MEDIA_TYPE_UNSUPPORTED', `This file type is not accepted (${what}).`, {
      metaMessages: [`Accepted: ${allowedFormats.join(', ')}.`],
      details: sniffed === undefined ? 'no known image signature in the first bytes' : `sniffed ${sniffed.format}`,
    })
  }
  const { format, mediaType } = sniffed

  if (!limits.allowTrailingData) assertNoTrailingData(bytes, format)

  restrictImageLoaders()
  let metadata: Metadata
  try {
    // Header only: no pixel buffer is allocated here, so the cap is checked by us just below
    // (with a precise message) and again by the decoder's `limitInputPixels` when decoding.
    metadata = await sharp(bytes, { failOn: 'error', limitInputPixels: false }).metadata()
  } catch (error) {
    throw toImageError(error, format)
  }

  // libvips picks its loader by its own sniffing; it must agree with ours (a file that parses as
  // two formats is a polyglot).
  const decoderFormat = metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format
  if (decoderFormat !== format) {
    throw new MintmarkError('IMAGE_INVALID', `The file claims to be ${format} but decodes as ${String(metadata.format)}.`, {
      details: `magic bytes: ${format}; decoder: ${String(metadata.format)}/${String(metadata.compression)}`,
    })
  }
  // Only the first frame of an animation is ever decoded, so the cap applies to one frame.
  const width = metadata.width
  const height = metadata.pageHeight ?? metadata.height
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new MintmarkError('IMAGE_INVALID', 'The image header has no valid dimensions.', {
      details: `width=${String(width)} height=${String(height)}`,
    })
  }
  if (width * height > maxPixels) {
    throw new MintmarkError('IMAGE_TOO_LARGE', `The image is ${width}×${height}, more than ${maxPixels} pixels.`, {
      details: `${width * height} pixels > limit ${maxPixels}`,
    })
  }
  return { format, mediaType, width, height, metadata, maxPixels }
}

function assertNoTrailingData(bytes: Uint8Array, format: ImageFormat): void {
  const end = findImageEnd(bytes, format)
  if (end === undefined || end >= bytes.length) return
  const trailer = bytes.subarray(end)
  if (trailer.every((b) => b === 0)) return
  if (format === 'jpeg' && trailer[0] === 0xff && trailer[1] === 0xd8 && trailer[2] === 0xff) return
  throw new MintmarkError('IMAGE_INVALID', `The ${format} file has ${trailer.length} bytes after the end of the image.`, {
    metaMessages: ['Data appended to an image is how polyglot files are made; it is refused.'],
    details: `image ends at byte ${end} of ${bytes.length}`,
  })
}

/** Translates a sharp/libvips failure into our codes, keeping the original as `cause`. */
export function toImageError(error: unknown, format: ImageFormat): MintmarkError {
  if (error instanceof MintmarkError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (/pixel limit/i.test(message)) {
    return new MintmarkError('IMAGE_TOO_LARGE', 'The image has more pixels than allowed.', { cause: error, details: message })
  }
  return new MintmarkError('IMAGE_INVALID', `The ${format} image is corrupt, truncated or not decodable.`, {
    cause: error,
    details: message,
  })
}

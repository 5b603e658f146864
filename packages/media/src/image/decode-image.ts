import { MintmarkError } from '@mintmark/core'
import sharp from 'sharp'
import { type ImageLimits, inspectImage, toImageError } from './inspect-image.js'
import type { ImageFormat } from './sniff-image-format.js'

export type DecodeImageOptions = ImageLimits & {
  /**
   * Downscale (never upscale) so that the longer side is at most this many pixels, inside the
   * decoder (libjpeg/libwebp shrink-on-load), which is much faster than decoding at full size.
   */
  maxDimension?: number | undefined
  /** Apply the EXIF orientation. Default false: PDQ's reference hashes the stored pixels. */
  autoOrient?: boolean | undefined
}

export type DecodedImage = {
  format: ImageFormat
  /** Size of the returned pixels (after any downscale). */
  width: number
  height: number
  /** 1 (grey) or 3 (sRGB); alpha is dropped, not composited, as PDQ's reference does. */
  channels: 1 | 3
  /** Row-major, interleaved, 8 bits per sample; `width * height * channels` bytes. */
  data: Uint8Array
  /** Size stored in the file. */
  originalWidth: number
  originalHeight: number
}

/**
 * Decodes untrusted image bytes to raw 8-bit pixels, refusing what should not be decoded before
 * decoding it: the format is sniffed from magic bytes and checked against `allowedFormats`
 * (MEDIA_TYPE_UNSUPPORTED); trailing data after the image's end is refused (IMAGE_INVALID, the
 * polyglot case); the header is read and width × height of the first frame is checked against
 * `maxPixels` (IMAGE_TOO_LARGE); only then are the pixels decoded, with libvips limited to the
 * allowed loaders, `limitInputPixels` set, and truncated or corrupt data failing (IMAGE_INVALID).
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`, `INPUT_INVALID`
 * (and `INTERNAL` if libvips returns an unexpected pixel layout).
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const inspected = await inspectImage(bytes, options)
  const { format, metadata, maxPixels } = inspected
  const grey = metadata.channels !== undefined && metadata.channels <= 2 && metadata.space !== 'cmyk'
  try {
    let pipeline = sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels, sequentialRead: true, pages: 1 })
    if (options.autoOrient) pipeline = pipeline.autoOrient()
    if (options.maxDimension !== undefined) {
      // Catmull-Rom, the closest libvips kernel to the bicubic thumbnail PDQ's reference tool uses.
      pipeline = pipeline.resize({
        width: options.maxDimension,
        height: options.maxDimension,
        fit: 'inside',
        withoutEnlargement: true,
        kernel: 'cubic',
      })
    }
    pipeline = pipeline.toColourspace(grey ? 'b-w' : 'srgb').removeAlpha()
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
    const channels = info.channels === 1 ? 1 : 3
    if (info.channels !== channels || data.length !== info.width * info.height * channels) {
      throw new MintmarkError('INTERNAL', 'The decoder returned pixels in an unexpected layout.', {
        details: `${info.width}x${info.height}x${info.channels}, ${data.length} bytes`,
      })
    }
    return {
      format,
      width: info.width,
      height: info.height,
      channels,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      originalWidth: inspected.width,
      originalHeight: inspected.height,
    }
  } catch (error) {
    throw toImageError(error, format)
  }
}

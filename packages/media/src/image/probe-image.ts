import { type ImageLimits, inspectImage } from './inspect-image.js'
import type { ImageFormat } from './sniff-image-format.js'

export type ProbeImageOptions = ImageLimits

export type ProbeImageReturnType = {
  format: ImageFormat
  /** IANA media type, e.g. `image/png`. */
  mediaType: string
  /** Stored size in pixels (EXIF orientation not applied). */
  width: number
  height: number
  /** EXIF orientation (1–8) when the file has one. */
  orientation?: number
}

/**
 * Media type and dimensions of untrusted image bytes from the header only (no pixel decode),
 * for the manifest. Applies the same gate as `decodeImage` (format allow-list, trailing data,
 * pixel cap), so a file that probes is one that will be decoded.
 *
 * @throws MintmarkError `MEDIA_TYPE_UNSUPPORTED`, `IMAGE_TOO_LARGE`, `IMAGE_INVALID`, `INPUT_INVALID`.
 */
export async function probeImage(bytes: Uint8Array, options: ProbeImageOptions = {}): Promise<ProbeImageReturnType> {
  const { format, mediaType, width, height, metadata } = await inspectImage(bytes, options)
  return {
    format,
    mediaType,
    width,
    height,
    ...(metadata.orientation !== undefined ? { orientation: metadata.orientation } : {}),
  }
}

import sharp from 'sharp'

// libvips loader families for the allowed formats. Unblocking a family unblocks its Buffer, File
// and Source variants. Png/Spng and Gif/Nsgif cover both libvips builds; Uhdr is the UltraHDR
// JPEG loader that libvips prefers for JPEGs with a gain map.
const allowedLoaders = [
  'VipsForeignLoadJpeg',
  'VipsForeignLoadUhdr',
  'VipsForeignLoadPng',
  'VipsForeignLoadSpng',
  'VipsForeignLoadWebp',
  'VipsForeignLoadGif',
  'VipsForeignLoadNsgif',
  'VipsForeignLoadHeif',
  'VipsForeignLoadTiff',
]

let restricted = false

/**
 * Blocks every libvips loader except those for JPEG, PNG, WebP, GIF, AVIF/HEIF and TIFF, for the
 * whole process: the runtime equivalent of `VIPS_BLOCK_UNTRUSTED=1`, stricter because it is an
 * allow-list (SVG, PDF, ImageMagick, OpenSlide, FITS, Matlab, CSV, PPM, raw, vips … are all off).
 * Idempotent; `decodeImage` and `probeImage` call it before their first decode. Call it at startup
 * to cover other sharp users in the process as well.
 */
export function restrictImageLoaders(): void {
  if (restricted) return
  sharp.block({ operation: ['VipsForeignLoad'] })
  sharp.unblock({ operation: allowedLoaders })
  restricted = true
}

import type { ImageFormat } from './sniff-image-format.js'

/**
 * Walks the container structure (not the pixels) and returns the offset just past the image's
 * logical end: PNG's IEND chunk, JPEG's EOI marker, GIF's trailer, or the RIFF size of WebP.
 * Returns `undefined` when the end is not found (a truncated file: the decoder then decides) or
 * for formats whose end is not defined by a simple walk (AVIF, TIFF).
 *
 * Bytes after that end are how polyglots work (an image that is also a ZIP, HTML or script).
 */
export function findImageEnd(bytes: Uint8Array, format: ImageFormat): number | undefined {
  switch (format) {
    case 'png':
      return pngEnd(bytes)
    case 'jpeg':
      return jpegEnd(bytes)
    case 'gif':
      return gifEnd(bytes)
    case 'webp':
      return webpEnd(bytes)
    default:
      return undefined
  }
}

const u16be = (b: Uint8Array, o: number) => ((b[o] as number) << 8) | (b[o + 1] as number)
const u32be = (b: Uint8Array, o: number) => (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0
const u32le = (b: Uint8Array, o: number) => (((b[o + 3] as number) << 24) | ((b[o + 2] as number) << 16) | ((b[o + 1] as number) << 8) | (b[o] as number)) >>> 0

function pngEnd(b: Uint8Array): number | undefined {
  let pos = 8
  while (pos + 12 <= b.length) {
    const length = u32be(b, pos)
    const type = String.fromCharCode(b[pos + 4] as number, b[pos + 5] as number, b[pos + 6] as number, b[pos + 7] as number)
    const next = pos + 12 + length
    if (type === 'IEND') return next <= b.length ? next : undefined
    pos = next
  }
  return undefined
}

function jpegEnd(b: Uint8Array): number | undefined {
  let pos = 2
  while (pos < b.length) {
    if (b[pos] !== 0xff) return undefined // not at a marker: corrupt, leave it to the decoder
    while (b[pos] === 0xff) pos++ // fill bytes
    if (pos >= b.length) return undefined
    const marker = b[pos] as number
    pos++
    if (marker === 0xd9) return pos
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue // standalone markers
    if (pos + 2 > b.length) return undefined
    pos += u16be(b, pos)
    if (marker === 0xda) {
      // Entropy-coded data: a real marker is 0xFF followed by anything but 0x00 (stuffing),
      // 0xFF (fill) or RSTn.
      // (indexOf is native: this scan covers almost the whole file.)
      for (;;) {
        pos = b.indexOf(0xff, pos)
        if (pos < 0 || pos + 1 >= b.length) return undefined
        const next = b[pos + 1] as number
        if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) break
        pos++
      }
    }
  }
  return undefined
}

function gifEnd(b: Uint8Array): number | undefined {
  if (b.length < 13) return undefined
  const packed = b[10] as number
  let pos = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0)
  const skipSubBlocks = (p: number): number | undefined => {
    while (p < b.length) {
      const size = b[p] as number
      if (size === 0) return p + 1
      p += size + 1
    }
    return undefined
  }
  while (pos < b.length) {
    const introducer = b[pos]
    if (introducer === 0x3b) return pos + 1
    if (introducer === 0x21) {
      const after = skipSubBlocks(pos + 2)
      if (after === undefined) return undefined
      pos = after
    } else if (introducer === 0x2c) {
      if (pos + 10 > b.length) return undefined
      const local = b[pos + 9] as number
      pos += 10 + (local & 0x80 ? 3 * 2 ** ((local & 0x07) + 1) : 0) + 1 // + LZW minimum code size
      const after = skipSubBlocks(pos)
      if (after === undefined) return undefined
      pos = after
    } else {
      return undefined
    }
  }
  return undefined
}

function webpEnd(b: Uint8Array): number | undefined {
  if (b.length < 12) return undefined
  const size = u32le(b, 4)
  const end = 8 + size + (size & 1)
  return end <= b.length ? end : undefined
}

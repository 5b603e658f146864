/** Raster formats Mintmark decodes (with sharp/libvips). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff'

/** Every format the default allow-list accepts. */
export const imageFormats: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff']

export const imageMediaTypes: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
}

/** Formats recognised only so that the refusal can name them; never decoded. */
export type RefusedFormat = 'heic' | 'svg' | 'pdf' | 'bmp' | 'jxl' | 'jp2' | 'psd' | 'ico' | 'zip' | 'html' | 'xml'

export type SniffImageFormatReturnType =
  | { format: ImageFormat; mediaType: string; supported: true }
  | { format: RefusedFormat; supported: false }
  | undefined

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)))

const startsWith = (bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + prefix.length && prefix.every((b, i) => bytes[offset + i] === b)

/**
 * Identifies an image from its magic bytes alone, without a decoder. Decoding only ever starts
 * after this says which format the bytes are, so libvips never gets to guess.
 * Returns `undefined` for bytes it does not recognise.
 */
export function sniffImageFormat(bytes: Uint8Array): SniffImageFormatReturnType {
  const supported = (format: ImageFormat) => ({ format, mediaType: imageMediaTypes[format], supported: true }) as const
  const refused = (format: RefusedFormat) => ({ format, supported: false }) as const

  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return supported('jpeg')
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return supported('png')
  const head6 = ascii(bytes, 0, 6)
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return supported('gif')
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return supported('webp')
  // Classic TIFF (42) and BigTIFF (43), either byte order.
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return supported('tiff')
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return supported('tiff')
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brands = isoBrands(bytes)
    if (brands.some((b) => b === 'avif' || b === 'avis')) return supported('avif')
    if (brands.some((b) => ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(b))) return refused('heic')
    return undefined
  }
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return refused('jxl')
  if (startsWith(bytes, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return refused('jp2')
  if (ascii(bytes, 0, 5) === '%PDF-') return refused('pdf')
  if (ascii(bytes, 0, 2) === 'BM') return refused('bmp')
  if (ascii(bytes, 0, 4) === '8BPS') return refused('psd')
  if (startsWith(bytes, [0, 0, 1, 0])) return refused('ico')
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return refused('zip')
  const bom = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0
  const text = ascii(bytes, bom, bom + 512).trimStart().toLowerCase()
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return refused('svg')
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return refused('html')
  if (text.startsWith('<?xml')) return refused('xml')
  return undefined
}

// Major brand plus the compatible brands of an ISO-BMFF `ftyp` box.
function isoBrands(bytes: Uint8Array): string[] {
  if (bytes.length < 16) return []
  const boxSize = ((bytes[0] as number) << 24) | ((bytes[1] as number) << 16) | ((bytes[2] as number) << 8) | (bytes[3] as number)
  const end = Math.min(boxSize >>> 0, bytes.length, 4096)
  const brands = [ascii(bytes, 8, 12)]
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(bytes, offset, offset + 4))
  return brands
}

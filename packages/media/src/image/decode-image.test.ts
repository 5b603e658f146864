import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MintmarkError } from '@mintmark/core'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { decodeImage } from './decode-image.js'
import { probeImage } from './probe-image.js'
import { restrictImageLoaders } from './restrict-image-loaders.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const pdqDir = path.resolve(repoRoot, '../shared/testdata/pdq')
const c2paDir = path.resolve(repoRoot, '../shared/testdata/c2pa')
const read = (dir: string, name: string) => new Uint8Array(readFileSync(path.join(dir, name)))

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(MintmarkError)
    return (error as MintmarkError).code
  }
  return 'no error'
}

// --- PNG crafting: chunks with valid CRCs, so only the declared size is hostile. ---
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  out.set(new TextEncoder().encode(type), 4)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13)
  const view = new DataView(ihdr.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, deflate, no filter, no interlace
  // A tiny (valid zlib, far too short) IDAT, then IEND.
  const idat = new Uint8Array([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])
  return concat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array()))
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

const rgbNoise = async (format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff', width = 64, height = 48) => {
  const raw = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 251)
  return new Uint8Array(await sharp(raw, { raw: { width, height, channels: 3 } })[format]().toBuffer())
}

describe('decodeImage', () => {
  test('decodes the reference JPEGs and the RGBA PNG to 8-bit sRGB without alpha', async () => {
    const bridge = await decodeImage(read(pdqDir, 'bridge-1-original.jpg'))
    expect(bridge).toMatchObject({ format: 'jpeg', width: 1600, height: 1004, channels: 3, originalWidth: 1600 })
    expect(bridge.data.length).toBe(1600 * 1004 * 3)
    const png = await decodeImage(read(pdqDir, 'c.png'))
    expect(png).toMatchObject({ format: 'png', width: 1432, height: 812, channels: 3 })
    expect(png.data.length).toBe(1432 * 812 * 3)
  })

  test('decodes every allowed format (generated with sharp)', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
      const decoded = await decodeImage(await rgbNoise(format))
      expect(decoded, format).toMatchObject({ format, width: 64, height: 48, channels: 3 })
      expect(decoded.data.length).toBe(64 * 48 * 3)
    }
  })

  test('grey stays one channel; 16-bit input comes out 8-bit', async () => {
    const grey = new Uint8Array(await sharp(new Uint8Array(40 * 30).fill(90), { raw: { width: 40, height: 30, channels: 1 } }).toColourspace('b-w').png().toBuffer())
    expect(await decodeImage(grey)).toMatchObject({ channels: 1, width: 40, height: 30 })
    const deep = new Uint8Array(await sharp(await rgbNoise('png', 40, 30)).toColourspace('rgb16').png().toBuffer())
    expect((await sharp(deep).metadata()).depth).toBe('ushort')
    const decoded = await decodeImage(deep)
    expect(decoded).toMatchObject({ channels: 3, width: 40, height: 30 })
    expect(decoded.data.length).toBe(40 * 30 * 3)
  })

  test('a CMYK JPEG comes out as 3-channel sRGB', async () => {
    const cmyk = new Uint8Array(await sharp(read(pdqDir, 'q0291.jpg')).toColourspace('cmyk').jpeg().toBuffer())
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk')
    const decoded = await decodeImage(cmyk)
    expect(decoded).toMatchObject({ format: 'jpeg', channels: 3, width: 256, height: 256 })
    expect(decoded.data.length).toBe(256 * 256 * 3)
  })

  test('maxDimension shrinks (never enlarges) to fit the longer side', async () => {
    const bridge = await decodeImage(read(pdqDir, 'bridge-1-original.jpg'), { maxDimension: 512 })
    expect(bridge).toMatchObject({ width: 512, height: 321, originalWidth: 1600, originalHeight: 1004 })
    expect(await decodeImage(read(pdqDir, 'wee.jpg'), { maxDimension: 512 })).toMatchObject({ width: 34, height: 42 })
  })

  test('refuses what is not an allowed image with MEDIA_TYPE_UNSUPPORTED, before decoding', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    const cases: Array<[string, Uint8Array]> = [
      ['text', new TextEncoder().encode('hello, this is not an image')],
      ['empty', new Uint8Array()],
      ['svg', svg],
      ['pdf', new TextEncoder().encode('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n')],
      ['bmp', new Uint8Array([0x42, 0x4d, ...new Uint8Array(60)])],
      ['zip', new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(30)])],
    ]
    for (const [name, bytes] of cases) expect(await codeOf(decodeImage(bytes)), name).toBe('MEDIA_TYPE_UNSUPPORTED')
    // A real JPEG outside a narrower allow-list.
    expect(await codeOf(decodeImage(read(pdqDir, 'q0003.jpg'), { allowedFormats: ['png'] }))).toBe('MEDIA_TYPE_UNSUPPORTED')
  })

  test('refuses a truncated JPEG and a truncated PNG with IMAGE_INVALID', async () => {
    const jpeg = read(pdqDir, 'bridge-1-original.jpg')
    for (const fraction of [0.3, 0.6, 0.95]) {
      expect(await codeOf(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * fraction)))), `jpeg ${fraction}`).toBe('IMAGE_INVALID')
    }
    const png = read(pdqDir, 'c.png')
    expect(await codeOf(decodeImage(png.subarray(0, Math.floor(png.length * 0.5))))).toBe('IMAGE_INVALID')
    expect(await codeOf(decodeImage(jpeg.subarray(0, 3)))).toBe('IMAGE_INVALID')
  })

  test('refuses a PNG whose valid header claims 60000×60000 with IMAGE_TOO_LARGE, from the header alone', async () => {
    const bomb = pngHeaderOnly(60_000, 60_000)
    const started = performance.now()
    try {
      await decodeImage(bomb)
      expect.unreachable()
    } catch (error) {
      expect((error as MintmarkError).code).toBe('IMAGE_TOO_LARGE')
      // Our header check, not the decoder, refused it.
      expect((error as MintmarkError).details).toBe('3600000000 pixels > limit 50000000')
    }
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await codeOf(probeImage(bomb))).toBe('IMAGE_TOO_LARGE')
    // The same header at a tolerable size passes the gate and then fails as corrupt pixel data.
    expect(await codeOf(decodeImage(pngHeaderOnly(600, 600)))).toBe('IMAGE_INVALID')
  })

  test('maxPixels is configurable', async () => {
    const q = read(pdqDir, 'q0003.jpg') // 256×256
    expect(await codeOf(decodeImage(q, { maxPixels: 256 * 256 - 1 }))).toBe('IMAGE_TOO_LARGE')
    expect((await decodeImage(q, { maxPixels: 256 * 256 })).width).toBe(256)
    expect(await codeOf(decodeImage(q, { maxPixels: 0 }))).toBe('INPUT_INVALID')
  })

  test('refuses polyglots: data after the image end, and magic bytes the decoder disagrees with', async () => {
    const png = read(pdqDir, 'c.png')
    const jpeg = read(pdqDir, 'q0122.jpg')
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, ...new TextEncoder().encode('payload.js'), 0x50, 0x4b, 0x05, 0x06, ...new Uint8Array(18)])
    const html = new TextEncoder().encode('<html><script>alert(1)</script></html>')
    const gif = await rgbNoise('gif')
    const webp = await rgbNoise('webp')
    for (const [name, bytes] of [
      ['png+zip', concat(png, zip)],
      ['jpeg+html', concat(jpeg, html)],
      ['gif+js', concat(gif, new TextEncoder().encode('*/=1;alert(1)//'))],
      ['webp+zip', concat(webp, zip)],
    ] as const) {
      expect(await codeOf(decodeImage(bytes)), name).toBe('IMAGE_INVALID')
      expect(await codeOf(probeImage(bytes)), name).toBe('IMAGE_INVALID')
      expect((await decodeImage(bytes, { allowTrailingData: true })).width, `${name} allowed`).toBeGreaterThan(0)
    }
    // Zero padding and an MPF-style second JPEG after EOI are normal and accepted.
    expect((await decodeImage(concat(jpeg, new Uint8Array(64)))).width).toBe(256)
    expect((await decodeImage(concat(jpeg, read(pdqDir, 'q0003.jpg')))).width).toBe(256)
    // PNG signature in front of a JPEG body: libvips would sniff it as PNG and fail.
    const pngSignature = png.subarray(0, 8)
    expect(await codeOf(decodeImage(concat(pngSignature, jpeg)))).toBe('IMAGE_INVALID')
    // A JPEG SOI in front of a PNG: sniffed as JPEG, refused by the JPEG loader.
    expect(await codeOf(decodeImage(concat(new Uint8Array([0xff, 0xd8, 0xff]), png)))).toBe('IMAGE_INVALID')
  })

  test('decodes the C2PA test JPEGs (real camera and editor output with APP11 segments)', async () => {
    for (const name of ['C.jpg', 'CA.jpg', 'earth_apollo17.jpg', 'ocsp.jpg']) {
      const decoded = await decodeImage(read(c2paDir, name), { maxDimension: 256 })
      expect(decoded.format, name).toBe('jpeg')
      expect(Math.max(decoded.width, decoded.height)).toBeLessThanOrEqual(256)
    }
  })

  test('after the first decode, libvips refuses non-allowed loaders process-wide', async () => {
    restrictImageLoaders()
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    const ppm = Buffer.from(`P6\n2 2\n255\n${'\u0000'.repeat(12)}`, 'latin1')
    await expect(sharp(svg).metadata()).rejects.toThrow(/unsupported image format/)
    await expect(sharp(ppm).metadata()).rejects.toThrow(/unsupported image format/)
    // Allowed formats still load from buffers and from files.
    expect((await sharp(path.join(pdqDir, 'q0003.jpg')).metadata()).format).toBe('jpeg')
  })
})

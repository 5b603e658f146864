import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MintmarkError } from '@mintmark/core'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { probeImage } from './probe-image.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const testdata = path.resolve(repoRoot, '../shared/testdata')
const read = (...parts: string[]) => new Uint8Array(readFileSync(path.join(testdata, ...parts)))

describe('probeImage', () => {
  test('reads media type and size of the real test files from the header', async () => {
    expect(await probeImage(read('pdq', 'c.png'))).toEqual({ format: 'png', mediaType: 'image/png', width: 1432, height: 812 })
    expect(await probeImage(read('pdq', 'small.jpg'))).toEqual({ format: 'jpeg', mediaType: 'image/jpeg', width: 224, height: 399 })
    expect(await probeImage(read('pdq', 'bridge-2-rotate-90.jpg'))).toMatchObject({ mediaType: 'image/jpeg', width: 1004, height: 1600, orientation: 1 })
    expect(await probeImage(read('c2pa', 'libpng-test.png'))).toMatchObject({ mediaType: 'image/png' })
  })

  test('reports each allowed format with its IANA media type', async () => {
    const raw = new Uint8Array(32 * 16 * 3).fill(120)
    const expected = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif', tiff: 'image/tiff' }
    for (const [format, mediaType] of Object.entries(expected) as Array<[keyof typeof expected, string]>) {
      const bytes = new Uint8Array(await sharp(raw, { raw: { width: 32, height: 16, channels: 3 } })[format]().toBuffer())
      expect(await probeImage(bytes), format).toMatchObject({ format, mediaType, width: 32, height: 16 })
    }
  })

  test('reports the EXIF orientation without applying it', async () => {
    const raw = new Uint8Array(30 * 20 * 3).fill(60)
    const bytes = new Uint8Array(await sharp(raw, { raw: { width: 30, height: 20, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer())
    expect(await probeImage(bytes)).toEqual({ format: 'jpeg', mediaType: 'image/jpeg', width: 30, height: 20, orientation: 6 })
  })

  test('refuses non-images and corrupt headers with typed errors', async () => {
    await expect(probeImage(new TextEncoder().encode('{"not":"an image"}'))).rejects.toMatchObject({ code: 'MEDIA_TYPE_UNSUPPORTED' })
    await expect(probeImage(read('pdq', 'q0003.jpg').subarray(0, 4))).rejects.toBeInstanceOf(MintmarkError)
    await expect(probeImage(read('pdq', 'q0003.jpg').subarray(0, 4))).rejects.toMatchObject({ code: 'IMAGE_INVALID' })
    await expect(probeImage('not bytes' as never)).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })
})

import { describe, expect, test } from 'vitest'
import { sniffImageFormat } from './sniff-image-format.js'

const bytes = (...parts: Array<number[] | string>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)))

describe('sniffImageFormat', () => {
  test('recognises the allowed formats by their signatures', () => {
    expect(sniffImageFormat(bytes([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ format: 'jpeg', mediaType: 'image/jpeg', supported: true })
    expect(sniffImageFormat(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]))?.format).toBe('png')
    expect(sniffImageFormat(bytes('GIF87a'))?.format).toBe('gif')
    expect(sniffImageFormat(bytes('GIF89a'))?.format).toBe('gif')
    expect(sniffImageFormat(bytes('RIFF', [1, 0, 0, 0], 'WEBPVP8 '))?.format).toBe('webp')
    expect(sniffImageFormat(bytes('II', [0x2a, 0]))?.format).toBe('tiff')
    expect(sniffImageFormat(bytes('MM', [0, 0x2a]))?.format).toBe('tiff')
    expect(sniffImageFormat(bytes('II', [0x2b, 0]))?.format).toBe('tiff')
    expect(sniffImageFormat(bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf'))?.format).toBe('avif')
    // AVIF declared only among the compatible brands.
    expect(sniffImageFormat(bytes([0, 0, 0, 0x18], 'ftypmif1', [0, 0, 0, 0], 'mif1avif'))?.format).toBe('avif')
  })

  test('names refused formats, and returns undefined for unknown bytes', () => {
    expect(sniffImageFormat(bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic'))).toEqual({ format: 'heic', supported: false })
    expect(sniffImageFormat(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))?.format).toBe('svg')
    expect(sniffImageFormat(bytes([0xef, 0xbb, 0xbf], '  <?xml version="1.0"?><svg/>'))?.format).toBe('svg')
    expect(sniffImageFormat(bytes('<?xml version="1.0"?><svg/>'))?.format).toBe('svg')
    expect(sniffImageFormat(bytes('%PDF-1.4'))?.format).toBe('pdf')
    expect(sniffImageFormat(bytes('BM', [0, 0, 0, 0]))?.format).toBe('bmp')
    expect(sniffImageFormat(bytes([0xff, 0x0a]))?.format).toBe('jxl')
    expect(sniffImageFormat(bytes('8BPS'))?.format).toBe('psd')
    expect(sniffImageFormat(bytes('PK', [3, 4]))?.format).toBe('zip')
    expect(sniffImageFormat(bytes('<!DOCTYPE html><html>'))?.format).toBe('html')
    expect(sniffImageFormat(bytes('hello'))).toBeUndefined()
    expect(sniffImageFormat(new Uint8Array())).toBeUndefined()
    // Truncated signatures are not a match.
    expect(sniffImageFormat(bytes([0xff, 0xd8]))).toBeUndefined()
    expect(sniffImageFormat(bytes('RIFF', [1, 0, 0, 0], 'WAVE'))).toBeUndefined()
  })
})

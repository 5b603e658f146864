import { createHash } from 'node:crypto'
import { MintmarkError } from '@mintmark/core'
import { codedLength, convolutionalEncode, viterbiDecode } from './convolutional-code.js'

/**
 * The watermark's fixed geometry and its key-derived layout. One tile is 32 × 32 cells of 4 × 4
 * units; a unit is `scale` pixels at embedding (1, 2, 4 or 8 by image size). Of the 1,024 cells,
 * 256 carry a known pilot (to find the tile's offset after a crop) and 768 carry the 282 coded
 * bits of the 88-bit codeword (64-bit payload + CRC-24, rate-1/3 convolutional code), 2–3 cells
 * per coded bit, every cell's sign scrambled by a key-derived ±1 chip. @internal
 */
export const cellUnits = 4
export const gridCells = 32
export const tileUnits = cellUnits * gridCells
export const cellCount = gridCells * gridCells
export const pilotCells = 256
export const dataCells = cellCount - pilotCells
export const payloadBits = 64
export const crcBits = 24
export const codewordBits = payloadBits + crcBits
export const codedBits = codedLength(codewordBits)

export type WatermarkKey = string | Uint8Array

/** @internal */
export type WatermarkLayout = {
  /** ±1 per cell. */
  chip: Int8Array
  /** -1 for a pilot cell, else the coded bit (0–281) the cell carries. */
  bitOf: Int16Array
  pilot: Int32Array
  /** Key-derived bits XORed onto the coded bits (so an all-zero payload is not a flat pattern). */
  whitening: Uint8Array
}

const layouts = new Map<string, WatermarkLayout>()

/** @internal */
export function watermarkLayout(key: WatermarkKey): WatermarkLayout {
  if (!(typeof key === 'string' ? key.length > 0 : key instanceof Uint8Array && key.length > 0)) {
    throw new MintmarkError('INPUT_INVALID', 'A watermark key must be a non-empty string or byte array.', { fields: ['key'] })
  }
  const digest = createHash('sha256').update('mintmark-watermark-v2\0').update(key).digest()
  const id = digest.toString('hex')
  const cached = layouts.get(id)
  if (cached) return cached
  const next = xoshiro128(digest)
  const chip = new Int8Array(cellCount)
  for (let k = 0; k < cellCount; k++) chip[k] = next() & 1 ? 1 : -1
  // Fisher–Yates permutation of the cells: the first 256 are pilots; the data cells go to coded
  // bits in order (2 or 3 consecutive ranks each, evenly spread), so each coded bit lands on
  // 2–3 key-chosen, scattered cells and neighbouring coded bits never share a region of the tile.
  const order = Int32Array.from({ length: cellCount }, (_, i) => i)
  for (let i = cellCount - 1; i > 0; i--) {
    const j = next() % (i + 1)
    const t = order[i] as number
    order[i] = order[j] as number
    order[j] = t
  }
  const bitOf = new Int16Array(cellCount)
  for (let r = 0; r < cellCount; r++) bitOf[order[r] as number] = r < pilotCells ? -1 : Math.floor(((r - pilotCells) * codedBits) / dataCells)
  const pilot = order.slice(0, pilotCells)
  const whitening = new Uint8Array(codedBits)
  for (let i = 0; i < codedBits; i++) whitening[i] = next() & 1
  const layout = { chip, bitOf, pilot, whitening }
  layouts.set(id, layout)
  return layout
}

/** 64-bit payload → 282 whitened coded bits (payload then CRC-24/OpenPGP, convolutionally coded). @internal */
export function encodeCodeword(payload: Uint8Array, layout: WatermarkLayout): Uint8Array {
  const bits = new Uint8Array(codewordBits)
  const crc = crc24(payload)
  for (let i = 0; i < payloadBits; i++) bits[i] = ((payload[i >> 3] as number) >> (7 - (i & 7))) & 1
  for (let i = 0; i < crcBits; i++) bits[payloadBits + i] = (crc >> (crcBits - 1 - i)) & 1
  const coded = convolutionalEncode(bits)
  for (let i = 0; i < codedBits; i++) coded[i] = (coded[i] as number) ^ (layout.whitening[i] as number)
  return coded
}

export type DecodedCodeword = {
  /** The payload when the CRC-24 matches, else undefined. */
  payload: Uint8Array | undefined
  /** The whitened coded bits of the decoded codeword (what the cells should show). */
  coded: Uint8Array
}

/**
 * Soft values per whitened coded bit (positive = 1) → the maximum-likelihood codeword (Viterbi),
 * accepted only when its CRC-24 matches. @internal
 */
export function decodeCodeword(soft: Float64Array, layout: WatermarkLayout): DecodedCodeword {
  const unwhitened = new Float64Array(codedBits)
  for (let i = 0; i < codedBits; i++) unwhitened[i] = layout.whitening[i] ? -(soft[i] as number) : (soft[i] as number)
  const bits = viterbiDecode(unwhitened, codewordBits)
  const payload = new Uint8Array(payloadBits / 8)
  for (let i = 0; i < payloadBits; i++) payload[i >> 3] = (payload[i >> 3] as number) | ((bits[i] as number) << (7 - (i & 7)))
  let crc = 0
  for (let i = 0; i < crcBits; i++) crc = (crc << 1) | (bits[payloadBits + i] as number)
  const coded = convolutionalEncode(bits)
  for (let i = 0; i < codedBits; i++) coded[i] = (coded[i] as number) ^ (layout.whitening[i] as number)
  return { payload: crc === crc24(payload) ? payload : undefined, coded }
}

/** CRC-24/OpenPGP. @internal */
export function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce
  for (const b of bytes) {
    crc ^= b << 16
    for (let i = 0; i < 8; i++) {
      crc <<= 1
      if (crc & 0x1000000) crc ^= 0x1864cfb
    }
  }
  return crc & 0xffffff
}

function xoshiro128(seed: Uint8Array): () => number {
  const view = new DataView(seed.buffer, seed.byteOffset, 16)
  let a = view.getUint32(0) | 1
  let b = view.getUint32(4)
  let c = view.getUint32(8)
  let d = view.getUint32(12)
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result
  }
}
const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k))

/** Units → pixels at embedding: 1 up to a 1,535 px short side, then 2, 4, 8. @internal */
export function embeddingScale(width: number, height: number): number {
  const short = Math.min(width, height)
  return short >= 6144 ? 8 : short >= 3072 ? 4 : short >= 1536 ? 2 : 1
}

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MintmarkError } from '@mintmark/core'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { pdqHashImage } from './pdq-hash-image.js'

// A bounded mutation fuzzer (RELIABILITY C7, PR size is set by MINTMARK_IMAGE_FUZZ_N): every
// mutated file must either hash or fail with one of the image error codes; nothing else may escape.
const perFormat = Number(process.env.MINTMARK_IMAGE_FUZZ_N ?? 150)
const allowedCodes = new Set(['IMAGE_INVALID', 'IMAGE_TOO_LARGE', 'MEDIA_TYPE_UNSUPPORTED'])

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const pdqDir = path.resolve(repoRoot, '../shared/testdata/pdq')

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

function mutate(input: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n)
  const bytes = input.slice()
  switch (pick(5)) {
    case 0: // flip a few random bytes (keep the signature so the decoder, not the sniffer, is tested)
      for (let i = 0, n = 1 + pick(8); i < n; i++) bytes[12 + pick(bytes.length - 12)] = pick(256)
      return bytes
    case 1: // truncate
      return bytes.subarray(0, 12 + pick(bytes.length - 12))
    case 2: {
      // overwrite 4 bytes with a huge value (length and dimension fields)
      const at = 12 + pick(bytes.length - 16)
      bytes.set([0xff, 0xff, 0xff, pick(256)], at)
      return bytes
    }
    case 3: {
      // splice: repeat a random slice in the middle
      const a = 12 + pick(bytes.length - 12)
      const b = Math.min(bytes.length, a + pick(512))
      const out = new Uint8Array(bytes.length + (b - a))
      out.set(bytes.subarray(0, b))
      out.set(bytes.subarray(a, b), b)
      out.set(bytes.subarray(b), b + (b - a))
      return out
    }
    default: // zero a run
      {
        const at = 12 + pick(bytes.length - 12)
        bytes.fill(0, at, at + 1 + pick(64))
      }
      return bytes
  }
}

describe('decode + PDQ under mutated input', async () => {
  const photo = new Uint8Array(readFileSync(path.join(pdqDir, 'q0291.jpg')))
  const raw = await sharp(photo).resize(96, 96).raw().toBuffer({ resolveWithObject: true })
  const seeds: Record<string, Uint8Array> = { 'jpeg (reference q0291.jpg)': photo }
  for (const format of ['png', 'webp', 'gif', 'avif', 'tiff'] as const) {
    seeds[format] = new Uint8Array(await sharp(raw.data, { raw: raw.info })[format]().toBuffer())
  }

  for (const [name, seed] of Object.entries(seeds)) {
    test(`${perFormat} mutations of ${name}: only typed outcomes`, async () => {
      const rnd = rng(name.length * 7919)
      const outcomes: Record<string, number> = { ok: 0 }
      let slowest = 0
      for (let i = 0; i < perFormat; i++) {
        const input = mutate(seed, rnd)
        const started = performance.now()
        try {
          const { hash } = await pdqHashImage(input)
          expect(hash).toMatch(/^[0-9a-f]{64}$/)
          outcomes.ok = (outcomes.ok ?? 0) + 1
        } catch (error) {
          if (!(error instanceof MintmarkError) || !allowedCodes.has(error.code)) throw error
          outcomes[error.code] = (outcomes[error.code] ?? 0) + 1
        }
        slowest = Math.max(slowest, performance.now() - started)
      }
      console.log(name, JSON.stringify({ ...outcomes, slowestMs: Math.round(slowest) }))
      expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(perFormat)
      expect(slowest).toBeLessThan(2000)
    })
  }
})

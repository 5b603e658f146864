import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MintmarkError } from '@mintmark/core'
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { readC2pa } from './c2pa/read-c2pa.js'
import { writeC2pa } from './c2pa/write-c2pa.js'
import { pdqHashImage } from './image/pdq-hash-image.js'

// Issue 5 robustness: N mutated files per format (default 1,000; MINTMARK_MEDIA_FUZZ_N) through
// decode + PDQ, and through the C2PA reader. Every input must end in a result or a MintmarkError
// with an expected code; no other exception, no hang, and the process's RSS must stay bounded.
const perFormat = Number(process.env.MINTMARK_MEDIA_FUZZ_N ?? 1000)
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const read = (rel: string) => new Uint8Array(readFileSync(path.join(testdata, rel)))

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

/** Byte flips, truncation, huge length fields, spliced repeats, zeroed runs; the first 12 bytes (the signature) are kept. */
function mutate(input: Uint8Array, rnd: () => number, region: readonly [number, number] = [12, input.length]): Uint8Array {
  const [from, to] = region
  const pick = (n: number) => Math.floor(rnd() * n)
  const at = () => from + pick(Math.max(1, to - from - 4))
  const bytes = input.slice()
  switch (pick(6)) {
    case 0:
      for (let i = 0, n = 1 + pick(8); i < n; i++) bytes[at()] = pick(256)
      return bytes
    case 1:
      return bytes.subarray(0, at())
    case 2: {
      const p = at()
      bytes.set([0xff, 0xff, 0xff, pick(256)].slice(0, bytes.length - p), p)
      return bytes
    }
    case 3: {
      const a = at()
      const b = Math.min(bytes.length, a + pick(512))
      const out = new Uint8Array(bytes.length + (b - a))
      out.set(bytes.subarray(0, b))
      out.set(bytes.subarray(a, b), b)
      out.set(bytes.subarray(b), b + (b - a))
      return out
    }
    case 4: {
      const p = at()
      bytes.fill(0, p, p + 1 + pick(64))
      return bytes
    }
    default: {
      // One bit.
      const p = at()
      bytes[p] = (bytes[p] as number) ^ (1 << pick(8))
      return bytes
    }
  }
}

async function run(name: string, seed: Uint8Array, region: readonly [number, number] | undefined, call: (b: Uint8Array) => Promise<unknown>, allowed: Set<string>) {
  const rnd = rng(name.length * 7919 + seed.length)
  const outcomes: Record<string, number> = { ok: 0 }
  let slowest = 0
  const rss0 = process.memoryUsage().rss
  let rssMax = rss0
  for (let i = 0; i < perFormat; i++) {
    const input = mutate(seed, rnd, region)
    const started = performance.now()
    try {
      await call(input)
      outcomes.ok = (outcomes.ok ?? 0) + 1
    } catch (error) {
      if (!(error instanceof MintmarkError) || !allowed.has(error.code)) throw error
      outcomes[error.code] = (outcomes[error.code] ?? 0) + 1
    }
    slowest = Math.max(slowest, performance.now() - started)
    if (i % 100 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss)
  }
  const growthMb = Math.round((rssMax - rss0) / 1e6)
  console.log(name, JSON.stringify({ ...outcomes, slowestMs: Math.round(slowest), rssGrowthMb: growthMb }))
  expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(perFormat)
  expect(slowest).toBeLessThan(2000)
  expect(growthMb).toBeLessThan(300)
}

describe(`${perFormat} mutated files per format: results or typed errors only`, async () => {
  const imageCodes = new Set(['IMAGE_INVALID', 'IMAGE_TOO_LARGE', 'MEDIA_TYPE_UNSUPPORTED'])
  const photo = read('pdq/q0291.jpg')
  const raw = await sharp(photo).resize(64, 64).raw().toBuffer({ resolveWithObject: true })
  const small = {
    jpeg: new Uint8Array(await sharp(raw.data, { raw: raw.info }).jpeg({ quality: 80 }).toBuffer()),
    png: new Uint8Array(await sharp(raw.data, { raw: raw.info }).png().toBuffer()),
    webp: new Uint8Array(await sharp(raw.data, { raw: raw.info }).webp().toBuffer()),
  }
  for (const [format, seed] of Object.entries(small)) {
    // PNG chunks carry CRCs: half the PNG mutants get their CRCs recomputed so the decoder, not
    // the checksum, meets the damage.
    let flip = false
    const prepare = (b: Uint8Array) => (format === 'png' && (flip = !flip) ? fixPngCrcs(b) : b)
    test(`${format}: decode + PDQ`, () => run(`decode ${format}`, seed, undefined, (b) => pdqHashImage(prepare(b)), imageCodes))
  }

  test('C2PA reader over a signed JPEG (mutations inside the manifest half the time)', async () => {
    const certs = path.join(testdata, 'c2pa', 'certs')
    const signed = await writeC2pa(small.jpeg, {
      manifest: {
        title: 'fuzz.jpg',
        claimGenerator: { name: 'Mintmark' },
        actions: [{ action: 'c2pa.created', digitalSourceType: 'trainedAlgorithmicMedia' }],
        ingredients: [{ title: 'parent.png', relationship: 'inputTo', hash: 'sha256:00' }],
        trainingMining: { aiTraining: 'notAllowed' },
        softBinding: { pdqHash: '0'.repeat(64) },
        mintmark: { statementHash: 'sha256:11', logIndex: 1 },
      },
      signer: { certificateChainPem: readFileSync(path.join(certs, 'es256.pub'), 'utf8'), privateKeyPem: readFileSync(path.join(certs, 'es256.pem'), 'utf8'), alg: 'es256' },
    })
    const latin1 = new TextDecoder('latin1').decode(signed)
    const manifest: [number, number] = [latin1.indexOf('jumb') - 4, latin1.indexOf('c2pa.signature') + 2000]
    expect((await readC2pa(signed)).present).toBe(true)
    let inManifest = false
    const c2paCodes = new Set(['IMAGE_INVALID', 'MEDIA_TYPE_UNSUPPORTED'])
    let validAfterMutation = 0
    await run('c2pa read (signed jpeg)', signed, undefined, async (b) => {
      inManifest = !inManifest
      const input = inManifest ? mutate(signed, rng(b.length), manifest) : b
      const r = await readC2pa(input)
      if (r.present && r.valid && !sameBytes(input, signed)) validAfterMutation++
      return r
    }, c2paCodes)
    console.log('mutated C2PA files still reported valid (mutations in unsigned bytes: box headers, COSE padding):', validAfterMutation)
  })
})

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function fixPngCrcs(input: Uint8Array): Uint8Array {
  const bytes = input.slice()
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let pos = 8; pos + 12 <= bytes.length; ) {
    const length = view.getUint32(pos)
    const end = pos + 8 + length
    if (end + 4 > bytes.length) break
    let c = 0xffffffff
    for (let i = pos + 4; i < end; i++) c = (crcTable[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
    view.setUint32(end, (c ^ 0xffffffff) >>> 0)
    pos = end + 4
  }
  return bytes
}

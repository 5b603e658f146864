#!/usr/bin/env node
// Issue 5 media benchmark. Prints one JSON document with:
//  - pdq: PDQ hash of a 12 MP JPEG, decode included (p50/p99; target ≤ 150 ms);
//  - fingerprint: lookup over 1,000,000 hashes (p50/p99; target p99 ≤ 10 ms) and recall on transformed
//    copies (index = N random hashes + the PDQ hashes of real and generated images; queries = PDQ of
//    JPEG q70, resize 50%, crop 5%, brightness ±10% copies; recall = original found within 31;
//    target ≥ 95%), plus build time and memory;
//  - watermark: embed + detect of a 4 MP image (target ≤ 300 ms) and bit accuracy per transform.
// Usage: npx tsc -b packages/media && node bench/media.mjs [--hashes 1000000] [--images 300] [--runs 20]
import { readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import { createFingerprintIndex, createMemoryFingerprintBackend, detectWatermark, embedWatermark, pdqHashImage } from '../packages/media/dist/index.js'

const { values } = parseArgs({
  options: {
    hashes: { type: 'string', default: '1000000' },
    images: { type: 'string', default: '300' },
    runs: { type: 'string', default: '20' },
    queries: { type: 'string', default: '2000' },
  },
})
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)]
const round = (v) => Math.round(v * 100) / 100
const now = () => performance.now()

function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A photo-like image: random low-frequency sinusoids and blobs per channel, plus noise. */
async function syntheticImage(seed, width, height, format = 'jpeg') {
  const rnd = rng(seed)
  const waves = Array.from({ length: 6 }, () => ({ fx: rnd() * 0.05, fy: rnd() * 0.05, p: rnd() * 6.28, a: 30 + rnd() * 50, c: Math.floor(rnd() * 3) }))
  const blobs = Array.from({ length: 5 }, () => ({ x: rnd() * width, y: rnd() * height, r: (0.05 + rnd() * 0.2) * width, a: rnd() * 160 - 80 }))
  const raw = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3
      const v = [128, 128, 128]
      for (const w of waves) v[w.c] += w.a * Math.sin(w.fx * x + w.fy * y + w.p)
      for (const b of blobs) {
        const d2 = ((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r)
        if (d2 < 1) for (let c = 0; c < 3; c++) v[c] += b.a * (1 - d2)
      }
      const n = (rnd() - 0.5) * 12
      for (let c = 0; c < 3; c++) raw[o + c] = Math.max(0, Math.min(255, v[c] + n))
    }
  }
  const img = sharp(raw, { raw: { width, height, channels: 3 } })
  return new Uint8Array(await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toBuffer())
}

const result = { bench: 'media', cpus: os.cpus().length, loadavg_1m: round(os.loadavg()[0]), node: process.version, sharp: sharp.versions.sharp }

// 1. PDQ of a 12 MP JPEG, decode included.
{
  const jpeg = await syntheticImage(1, 4000, 3000)
  for (let i = 0; i < 3; i++) await pdqHashImage(jpeg)
  const times = []
  for (let i = 0; i < Number(values.runs); i++) {
    const t = now()
    await pdqHashImage(jpeg)
    times.push(now() - t)
  }
  result.pdq = { megapixels: 12, jpeg_bytes: jpeg.length, p50_ms: round(pct(times, 50)), p99_ms: round(pct(times, 99)), runs: times.length, target_p50_ms: 150 }
}

// 2. Fingerprint index.
{
  const randomCount = Number(values.hashes)
  const imageCount = Number(values.images)
  const rnd = rng(99)
  const hex = '0123456789abcdef'
  const rss0 = process.memoryUsage().rss
  const index = createFingerprintIndex({ backend: createMemoryFingerprintBackend({ initialCapacity: randomCount + imageCount + 100 }) })
  let t = now()
  for (let i = 0; i < randomCount; i++) {
    let h = ''
    for (let j = 0; j < 64; j++) h += hex[(rnd() * 16) | 0]
    await index.add(`r${i}`, h)
  }
  const buildMs = now() - t
  // Real images (reference sets) and generated ones.
  const real = []
  for (const dir of ['pdq', 'c2pa']) {
    for (const f of readdirSync(path.join(testdata, dir)).filter((f) => /\.(jpe?g|png)$/.test(f) && !f.startsWith('bridge-') && f !== 'wee.jpg')) {
      real.push([`${dir}/${f}`, new Uint8Array(readFileSync(path.join(testdata, dir, f)))])
    }
  }
  real.push(['pdq/bridge-1-original.jpg', new Uint8Array(readFileSync(path.join(testdata, 'pdq', 'bridge-1-original.jpg')))])
  const originals = [...real]
  for (let i = 0; originals.length < imageCount; i++) originals.push([`gen${i}`, await syntheticImage(1000 + i, 384 + (i % 5) * 64, 320 + (i % 3) * 64)])
  // Each image is registered with its own hash and, as separate ids `<id>#crop<p>`, the hashes of
  // centre crops of p% per side (crop-augmented registration: PDQ moves 46–60 bits under a 2.5%
  // per-side crop, so a single hash cannot match crops).
  const cropAugment = [1.5, 3, 4.5]
  const centreCrop = async (b, pctPerSide) => {
    const m = await sharp(b).metadata()
    const dx = Math.round((m.width * pctPerSide) / 100)
    const dy = Math.round((m.height * pctPerSide) / 100)
    return new Uint8Array(await sharp(b).extract({ left: dx, top: dy, width: m.width - 2 * dx, height: m.height - 2 * dy }).toBuffer())
  }
  const indexed = []
  for (const [id, bytes] of originals) {
    const { hash, quality } = await pdqHashImage(bytes)
    await index.add(id, hash)
    for (const p of cropAugment) await index.add(`${id}#crop${p}`, (await pdqHashImage(await centreCrop(bytes, p))).hash)
    indexed.push({ id, bytes, quality })
  }
  const rss1 = process.memoryUsage().rss
  const transforms = {
    'jpeg q70': (b) => sharp(b).jpeg({ quality: 70 }).toBuffer(),
    'resize 50%': async (b) => sharp(b).resize({ width: Math.max(8, Math.round((await sharp(b).metadata()).width / 2)) }).toBuffer(),
    'crop 5%': async (b) => {
      const m = await sharp(b).metadata()
      const dx = Math.round(m.width * 0.025)
      const dy = Math.round(m.height * 0.025)
      return sharp(b).extract({ left: dx, top: dy, width: m.width - 2 * dx, height: m.height - 2 * dy }).toBuffer()
    },
    'brightness +10%': (b) => sharp(b).modulate({ brightness: 1.1 }).toBuffer(),
    'brightness -10%': (b) => sharp(b).modulate({ brightness: 0.9 }).toBuffer(),
  }
  const lookups = []
  const recall = {}
  const recallAugmented = {}
  const recallQuality50 = {}
  let found = 0
  let foundAugmented = 0
  let total = 0
  const misses = []
  for (const [name, apply] of Object.entries(transforms)) {
    let ok = 0
    let okAugmented = 0
    let good = 0
    let okGood = 0
    for (const { id, bytes, quality } of indexed) {
      const copy = new Uint8Array(await apply(bytes))
      const { hash } = await pdqHashImage(copy)
      t = now()
      const matches = await index.query(hash)
      lookups.push(now() - t)
      const single = matches.some((m) => m.id === id)
      if (single) ok++
      if (matches.some((m) => m.id === id || m.id.startsWith(`${id}#`))) okAugmented++
      else misses.push(`${name}: ${id} (quality ${quality})`)
      if (quality >= 50) {
        good++
        if (single) okGood++
      }
    }
    recall[name] = round(ok / indexed.length)
    recallAugmented[name] = round(okAugmented / indexed.length)
    recallQuality50[name] = round(okGood / Math.max(1, good))
    found += ok
    foundAugmented += okAugmented
    total += indexed.length
  }
  // Plus random probes (the common case: an unknown image).
  for (let i = 0; i < Number(values.queries); i++) {
    let h = ''
    for (let j = 0; j < 64; j++) h += hex[(rnd() * 16) | 0]
    t = now()
    await index.query(h)
    lookups.push(now() - t)
  }
  const dihedral = []
  for (let i = 0; i < 200; i++) {
    const hs = {}
    for (const k of ['original', 'rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1']) {
      let h = ''
      for (let j = 0; j < 64; j++) h += hex[(rnd() * 16) | 0]
      hs[k] = h
    }
    t = now()
    await index.query(hs)
    dihedral.push(now() - t)
  }
  result.fingerprint = {
    hashes: await index.size(),
    random_hashes: randomCount,
    image_hashes: indexed.length,
    real_images: real.length,
    build_ms: Math.round(buildMs),
    rss_growth_mb: Math.round((rss1 - rss0) / 1e6),
    lookup_p50_ms: round(pct(lookups, 50)),
    lookup_p99_ms: round(pct(lookups, 99)),
    lookups: lookups.length,
    dihedral_lookup_p50_ms: round(pct(dihedral, 50)),
    dihedral_lookup_p99_ms: round(pct(dihedral, 99)),
    recall_by_transform: recall,
    recall: round(found / total),
    recall_by_transform_quality_ge_50: recallQuality50,
    recall_with_crop_augmented_registration_by_transform: recallAugmented,
    recall_with_crop_augmented_registration: round(foundAugmented / total),
    misses: misses.slice(0, 20),
    target_p99_ms: 10,
    target_recall: 0.95,
  }
}

// 3. Watermark on a 4 MP image.
{
  const width = 2400
  const height = 1680
  const source = await syntheticImage(7, width, height)
  const payload = Uint8Array.from([0, 0, 0, 0, 0, 0, 0x30, 0x39])
  const key = 'bench-key'
  await embedWatermark(source, { payload, key })
  const embedTimes = []
  const detectTimes = []
  let marked
  for (let i = 0; i < 5; i++) {
    let t = now()
    marked = await embedWatermark(source, { payload, key })
    embedTimes.push(now() - t)
    t = now()
    const d = await detectWatermark(marked.bytes, { key })
    detectTimes.push(now() - t)
    if (!d.found) throw new Error('watermark not found in the bench image')
  }
  const transforms = {
    none: async (b) => b,
    'jpeg q50': (b) => sharp(b).jpeg({ quality: 50 }).toBuffer(),
    'resize 50%': (b) => sharp(b).resize(Math.round(width / 2)).toBuffer(),
    'crop 10%': (b) => sharp(b).extract({ left: 123, top: 85, width: Math.round(width * 0.9), height: Math.round(height * 0.9) }).toBuffer(),
    'png → jpeg q75 → webp q75': async (b) => sharp(await sharp(await sharp(b).png().toBuffer()).jpeg({ quality: 75 }).toBuffer()).webp({ quality: 75 }).toBuffer(),
  }
  const robustness = {}
  for (const [name, apply] of Object.entries(transforms)) {
    const d = await detectWatermark(new Uint8Array(await apply(marked.bytes)), { key })
    robustness[name] = { found: d.found, payload_ok: d.payload !== undefined && Buffer.from(d.payload).equals(Buffer.from(payload)), bit_accuracy: round(d.bitAccuracy), pilot_z: round(d.pilotZ) }
  }
  const clean = await detectWatermark(source, { key })
  const embedP50 = pct(embedTimes, 50)
  const detectP50 = pct(detectTimes, 50)
  result.watermark = {
    megapixels: round((width * height) / 1e6),
    scale: marked.scale,
    psnr_db: round(marked.psnr),
    embed_p50_ms: Math.round(embedP50),
    detect_p50_ms: Math.round(detectP50),
    embed_plus_detect_ms: Math.round(embedP50 + detectP50),
    target_ms: 300,
    robustness,
    clean_image: { found: clean.found, pilot_z: round(clean.pilotZ) },
  }
}

console.log(JSON.stringify(result, null, 2))

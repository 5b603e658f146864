// Deterministic inputs shared by the benches: a seeded generator and a synthetic photo.
import sharp from 'sharp'

/** mulberry32: a seeded generator of uint32 values. */
export function rng32(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/** The same generator as numbers in [0, 1). */
export function rng(seed) {
  const next = rng32(seed)
  return () => next() / 4294967296
}

/** A photo-like image: random low-frequency sinusoids and blobs per channel, plus noise; JPEG q90 or PNG. */
export async function syntheticImage(seed, width, height, format = 'jpeg') {
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

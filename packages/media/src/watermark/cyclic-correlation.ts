/**
 * Cyclic 2-D cross-correlation on an n × n grid (n a power of two) by FFT: for every cyclic shift
 * s, Σ_q pattern[q] · values[q + s]. The detector correlates the 32 × 32 pilot pattern with the
 * cell grid at all 1,024 shifts for each of 16 phases; directly that is 4.2 M multiply-adds per
 * candidate scale, by FFT about 1.6 M floating-point operations. @internal
 */
export type PatternSpectrum = { n: number; re: Float64Array; im: Float64Array }

/** The conjugated spectrum of `pattern` (n × n, row-major), reusable for many correlations. */
export function patternSpectrum(pattern: Float64Array, n: number): PatternSpectrum {
  const re = Float64Array.from(pattern)
  const im = new Float64Array(n * n)
  fft2(re, im, n, false)
  for (let i = 0; i < im.length; i++) im[i] = -(im[i] as number)
  return { n, re, im }
}

/** correlation[sy * n + sx] = Σ pattern[y][x] · values[(y + sy) mod n][(x + sx) mod n]. */
export function cyclicCorrelation(spectrum: PatternSpectrum, values: Float64Array): Float64Array {
  const { n } = spectrum
  const re = Float64Array.from(values)
  const im = new Float64Array(n * n)
  fft2(re, im, n, false)
  for (let i = 0; i < re.length; i++) {
    const a = re[i] as number
    const b = im[i] as number
    const c = spectrum.re[i] as number
    const d = spectrum.im[i] as number
    re[i] = a * c - b * d
    im[i] = a * d + b * c
  }
  fft2(re, im, n, true)
  return re
}

/** In-place 2-D FFT (rows then columns); the inverse is scaled by 1 / n². */
function fft2(re: Float64Array, im: Float64Array, n: number, inverse: boolean): void {
  const rowRe = new Float64Array(n)
  const rowIm = new Float64Array(n)
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < n; a++) {
      // pass 0: row a; pass 1: column a.
      for (let b = 0; b < n; b++) {
        const i = pass === 0 ? a * n + b : b * n + a
        rowRe[b] = re[i] as number
        rowIm[b] = im[i] as number
      }
      fft(rowRe, rowIm, inverse)
      for (let b = 0; b < n; b++) {
        const i = pass === 0 ? a * n + b : b * n + a
        re[i] = rowRe[b] as number
        im[i] = rowIm[b] as number
      }
    }
  }
  if (inverse) {
    const scale = 1 / (n * n)
    for (let i = 0; i < re.length; i++) {
      re[i] = (re[i] as number) * scale
      im[i] = (im[i] as number) * scale
    }
  }
}

/** Iterative radix-2 Cooley–Tukey, in place. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      const tr = re[i] as number
      re[i] = re[j] as number
      re[j] = tr
      const ti = im[i] as number
      im[i] = im[j] as number
      im[j] = ti
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / size
    const wr = Math.cos(angle)
    const wi = Math.sin(angle)
    for (let start = 0; start < n; start += size) {
      let cr = 1
      let ci = 0
      for (let k = 0; k < size / 2; k++) {
        const a = start + k
        const b = a + size / 2
        const xr = (re[b] as number) * cr - (im[b] as number) * ci
        const xi = (re[b] as number) * ci + (im[b] as number) * cr
        re[b] = (re[a] as number) - xr
        im[b] = (im[a] as number) - xi
        re[a] = (re[a] as number) + xr
        im[a] = (im[a] as number) + xi
        const next = cr * wr - ci * wi
        ci = cr * wi + ci * wr
        cr = next
      }
    }
  }
}

import { describe, expect, test } from 'vitest'
import { cyclicCorrelation, patternSpectrum } from './cyclic-correlation.js'
import { cellCount, cellUnits, gridCells, tileUnits } from './watermark-code.js'
import { cellBoxes, cellMeans, clippedResidual, foldTile, foldTileWithLinearShare, lumaPlane } from './watermark-signal.js'

// The signal kernels are written for speed (specialised loops, running sums, box tables, FFT);
// each is checked here against the plain definition.

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return s / 2 ** 32
  }
}

describe('watermark signal kernels against their definitions', () => {
  test('lumaPlane: BT.601 luma averaged over factor × factor blocks, partial blocks included', () => {
    const rnd = rng(1)
    let checked = 0
    for (const channels of [1, 2, 3, 4]) {
      for (const factor of [1, 2, 3, 4]) {
        for (const [width, height] of [
          [24, 16],
          [23, 17],
        ] as const) {
          const pixels = Uint8Array.from({ length: width * height * channels }, () => Math.floor(rnd() * 256))
          const plane = lumaPlane(pixels, width, height, channels, factor)
          expect([plane.width, plane.height]).toEqual([Math.ceil(width / factor), Math.ceil(height / factor)])
          for (let by = 0; by < plane.height; by++) {
            for (let bx = 0; bx < plane.width; bx++) {
              let sum = 0
              let n = 0
              for (let y = by * factor; y < Math.min(height, (by + 1) * factor); y++) {
                for (let x = bx * factor; x < Math.min(width, (bx + 1) * factor); x++) {
                  const i = (y * width + x) * channels
                  sum += channels >= 3 ? 0.299 * (pixels[i] as number) + 0.587 * (pixels[i + 1] as number) + 0.114 * (pixels[i + 2] as number) : (pixels[i] as number)
                  n++
                }
              }
              expect(plane.data[by * plane.width + bx]).toBeCloseTo(sum / n, 3)
              checked++
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })

  test('clippedResidual: value minus its clamped (2r+1)² box mean, clipped to ±clip', () => {
    const rnd = rng(2)
    const width = 37
    const height = 29
    const data = Float32Array.from({ length: width * height }, () => rnd() * 255)
    for (const [r, clip] of [
      [1, 1000],
      [4, 6],
      [6, 20],
    ] as const) {
      const out = clippedResidual({ data, width, height }, r, clip)
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let sum = 0
          for (let dy = -r; dy <= r; dy++) {
            for (let dx = -r; dx <= r; dx++) {
              sum += data[Math.min(height - 1, Math.max(0, y + dy)) * width + Math.min(width - 1, Math.max(0, x + dx))] as number
            }
          }
          const v = (data[y * width + x] as number) - sum / (2 * r + 1) ** 2
          expect(out[y * width + x]).toBeCloseTo(Math.max(-clip, Math.min(clip, v)), 2)
        }
      }
    }
  })

  test('foldTile and foldTileWithLinearShare: mean per tile position (NaN where empty), share inside the clip', () => {
    const rnd = rng(3)
    for (const [width, height, scale] of [
      [300, 200, 1],
      [300, 200, 1.5],
      [100, 90, 1],
    ] as const) {
      const residual = Float32Array.from({ length: width * height }, () => (rnd() - 0.5) * 20)
      const folded = foldTile(residual, width, height, scale)
      const sum = new Float64Array(tileUnits * tileUnits)
      const count = new Float64Array(tileUnits * tileUnits)
      const inside = new Float64Array(tileUnits * tileUnits)
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const bin = (Math.floor(y / scale) % tileUnits) * tileUnits + (Math.floor(x / scale) % tileUnits)
          sum[bin] = (sum[bin] as number) + (residual[y * width + x] as number)
          count[bin] = (count[bin] as number) + 1
          if (Math.abs(residual[y * width + x] as number) < 6) inside[bin] = (inside[bin] as number) + 1
        }
      }
      for (let bin = 0; bin < sum.length; bin++) {
        if (count[bin] === 0) expect(folded[bin]).toBeNaN()
        else expect(folded[bin]).toBeCloseTo((sum[bin] as number) / (count[bin] as number), 6)
      }
      if (scale === 1) {
        const both = foldTileWithLinearShare(residual, width, height, 6)
        for (let bin = 0; bin < sum.length; bin++) {
          if (count[bin] === 0) continue
          expect(both.folded[bin]).toBeCloseTo(folded[bin] as number, 6)
          expect(both.linearShare[bin]).toBeCloseTo((inside[bin] as number) / (count[bin] as number), 9)
        }
      }
    }
  })

  test('cellMeans (via the box table): mean of each cell’s 4 × 4 units at every phase, NaN bins skipped', () => {
    const rnd = rng(4)
    const folded = Float64Array.from({ length: tileUnits * tileUnits }, () => (rnd() < 0.2 ? Number.NaN : rnd() * 10 - 5))
    const boxes = cellBoxes(folded)
    for (let py = 0; py < cellUnits; py++) {
      for (let px = 0; px < cellUnits; px++) {
        const got = cellMeans(boxes, px, py)
        for (let i = 0; i < gridCells; i++) {
          for (let j = 0; j < gridCells; j++) {
            let s = 0
            let c = 0
            for (let dy = 0; dy < cellUnits; dy++) {
              for (let dx = 0; dx < cellUnits; dx++) {
                const v = folded[((i * cellUnits + py + dy) % tileUnits) * tileUnits + ((j * cellUnits + px + dx) % tileUnits)] as number
                if (!Number.isNaN(v)) {
                  s += v
                  c++
                }
              }
            }
            expect(got[i * gridCells + j]).toBeCloseTo(c ? s / c : 0, 9)
          }
        }
      }
    }
  })

  test('cyclicCorrelation: Σ pattern[q] · values[q + s] at every cyclic shift', () => {
    const rnd = rng(5)
    const pattern = Float64Array.from({ length: cellCount }, () => (rnd() < 0.25 ? (rnd() < 0.5 ? -1 : 1) : 0))
    const values = Float64Array.from({ length: cellCount }, () => rnd() * 2 - 1)
    const got = cyclicCorrelation(patternSpectrum(pattern, gridCells), values)
    for (let sy = 0; sy < gridCells; sy++) {
      for (let sx = 0; sx < gridCells; sx++) {
        let expected = 0
        for (let y = 0; y < gridCells; y++) {
          for (let x = 0; x < gridCells; x++) expected += (pattern[y * gridCells + x] as number) * (values[((y + sy) & 31) * gridCells + ((x + sx) & 31)] as number)
        }
        expect(got[sy * gridCells + sx]).toBeCloseTo(expected, 9)
      }
    }
  })
})

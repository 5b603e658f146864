import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import { splitAmount } from './split-amount.js'

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b

/** Random royalty shares: n positive integers summing to 10000. */
const shares = fc.integer({ min: 1, max: 50 }).chain((n) =>
  fc.uniqueArray(fc.integer({ min: 1, max: 9999 }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), 10_000]
    return points.slice(1).map((p, i) => ({ payee: `p${i}`, bps: p - (points[i] as number) }))
  }),
)

describe('splitAmount', () => {
  it('splits exactly with worked examples', () => {
    const half = [{ payee: 'a', bps: 5000 }, { payee: 'b', bps: 5000 }]
    expect(splitAmount(101n, half)).toEqual([{ payee: 'a', amount: 51n }, { payee: 'b', amount: 50n }])
    expect(splitAmount(0n, half)).toEqual([{ payee: 'a', amount: 0n }, { payee: 'b', amount: 0n }])
    // Thirds of 100: 33.33 each → remainders tie, the dust unit goes to the first entry.
    const thirds = [{ payee: 'a', bps: 3334 }, { payee: 'b', bps: 3333 }, { payee: 'c', bps: 3333 }]
    expect(splitAmount(100n, thirds).map((x) => x.amount)).toEqual([34n, 33n, 33n])
    expect(splitAmount(2n, thirds).map((x) => x.amount)).toEqual([1n, 1n, 0n])
    // As the contract does it: 7000/2000/1000 bps of 9 → 6.3, 1.8, 0.9 → 6, 1, 0 and the 2 units of
    // dust to the first payees with a remainder, in listed order (a, then b).
    expect(splitAmount(9n, [{ payee: 'a', bps: 7000 }, { payee: 'b', bps: 2000 }, { payee: 'c', bps: 1000 }]).map((x) => x.amount)).toEqual([7n, 2n, 0n])
    // A payee whose share is exact never gets dust: 5000/2500/2500 of 6 → 3, 1.5, 1.5 → 3, 2, 1.
    expect(splitAmount(6n, [{ payee: 'a', bps: 5000 }, { payee: 'b', bps: 2500 }, { payee: 'c', bps: 2500 }]).map((x) => x.amount)).toEqual([3n, 2n, 1n])
    // Works far beyond 2^53 (wei amounts).
    const big = 2n ** 255n + 12345n
    const parts = splitAmount(big, thirds)
    expect(parts.reduce((s, x) => s + x.amount, 0n)).toBe(big)
  })

  it('Σ = amount, each ≤ ⌈amount·bps/10000⌉ and ≥ ⌊…⌋, dust ≤ n − 1, deterministic (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), shares, (amount, royalties) => {
        const out = splitAmount(amount, royalties)
        expect(out.map((x) => x.payee)).toEqual(royalties.map((r) => r.payee))
        expect(out.reduce((s, x) => s + x.amount, 0n)).toBe(amount)
        let dust = 0n
        out.forEach((x, i) => {
          const exact = amount * BigInt((royalties[i] as { bps: number }).bps)
          expect(x.amount <= ceilDiv(exact, 10_000n)).toBe(true)
          expect(x.amount >= exact / 10_000n).toBe(true)
          dust += x.amount - exact / 10_000n
        })
        expect(dust <= BigInt(royalties.length - 1)).toBe(true)
        expect(splitAmount(amount, royalties)).toEqual(out)
      }),
      { numRuns: 10_000, seed: 10_000 },
    )
  }, 240_000) // 10,000 bigint runs: seconds on a quiet machine, over a minute on a loaded one

  it('rejects negative amounts and splits that do not sum to 10000', () => {
    const code = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return e instanceof MintmarkError ? e.code : 'other'
      }
      return 'none'
    }
    expect(code(() => splitAmount(-1n, [{ payee: 'a', bps: 10_000 }]))).toBe('INPUT_INVALID')
    expect(code(() => splitAmount(1 as never, [{ payee: 'a', bps: 10_000 }]))).toBe('INPUT_INVALID')
    expect(code(() => splitAmount(1n, []))).toBe('MANIFEST_ROYALTY_SPLIT_INVALID')
    expect(code(() => splitAmount(1n, [{ payee: 'a', bps: 9999 }]))).toBe('MANIFEST_ROYALTY_SPLIT_INVALID')
    expect(code(() => splitAmount(1n, [{ payee: 'a', bps: 0 }, { payee: 'b', bps: 10_000 }]))).toBe('MANIFEST_ROYALTY_SPLIT_INVALID')
    expect(code(() => splitAmount(1n, [{ payee: 'a', bps: 5000.5 }, { payee: 'b', bps: 4999.5 }]))).toBe('MANIFEST_ROYALTY_SPLIT_INVALID')
  })
})

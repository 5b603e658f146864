// A4: differential property test. Random leaf lists appended in random batch splits through
// appendLeaves give the same root as the plain recursive MTH (rootFromLeafHashes). 10,000 runs,
// kept fast by drawing mostly small trees (up to 48 leaves) and now and then a large one (up to
// 2,000); leaves are random 32-byte values (a leaf hash is opaque to the tree).
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  appendLeaves,
  compactRangeRoot,
  consistencyProofPlan,
  emptyCompactRange,
  inclusionProofPlan,
  type NodeId,
  rootFromLeafHashes,
  rootPlan,
} from './index.js'

function pseudoLeaves(seed: number, count: number): Uint8Array[] {
  let x = seed >>> 0 || 1
  return Array.from({ length: count }, () => {
    const h = new Uint8Array(32)
    for (let i = 0; i < 32; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      h[i] = x & 0xff
    }
    return h
  })
}

const popcount = (n: number) => {
  let c = 0
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2
  return c
}

describe('A4: compact range vs reference MTH', () => {
  test('10,000 random trees and batch splits: equal roots, each perfect node reported once', () => {
    let runs = 0
    let leavesSeen = 0
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.oneof({ weight: 49, arbitrary: fc.nat(48) }, { weight: 1, arbitrary: fc.nat(2000) }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 12 }),
        (seed, count, splits) => {
          runs++
          leavesSeen += count
          const leaves = pseudoLeaves(seed, count)
          // An empty batch is a no-op.
          const none = appendLeaves(emptyCompactRange, [])
          if (none.nodes.length !== 0 || none.range.size !== 0) return false
          let range = emptyCompactRange
          const reported = new Set<string>()
          for (let at = 0, s = 0; at < count; s++) {
            const take = splits[s % splits.length] as number
            const out = appendLeaves(range, leaves.slice(at, at + take))
            for (const n of out.nodes) {
              const key = `${n.level}/${n.index}`
              if (reported.has(key)) return false
              reported.add(key)
              if (n.level === 0 && !equal(n.hash, leaves[n.index] as Uint8Array)) return false
            }
            range = out.range
            at += take
          }
          if (range.size !== count || range.peaks.length !== popcount(count)) return false
          // A tree of n leaves has 2n - popcount(n) perfect nodes.
          if (reported.size !== 2 * count - popcount(count)) return false
          return equal(compactRangeRoot(range), rootFromLeafHashes(leaves))
        },
      ),
      { numRuns: 10_000 },
    )
    expect(runs).toBe(10_000)
    console.log(`A4: 10,000 runs, ${leavesSeen} leaves in total, 0 mismatches`)
  }, 300_000)
})

describe('plans read O(log n) nodes, all inside the tree, for sizes up to 2^53 - 1', () => {
  const inside = (ids: NodeId[], size: number) => ids.every(({ level, index }) => (index + 1) * 2 ** level <= size && index >= 0)
  const size = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }))

  test('root plans: one node per set bit of the size', () => {
    fc.assert(
      fc.property(size, (n) => {
        const { nodes } = rootPlan(n)
        return nodes.length === popcount(n) && inside(nodes, n)
      }),
      { numRuns: 2000 },
    )
  })

  test('inclusion plans: at most 2·53 nodes, inside the tree', () => {
    fc.assert(
      fc.property(size, fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const i = Math.min(n - 1, Math.floor(f * n))
        const { nodes } = inclusionProofPlan(i, n)
        return nodes.length <= 2 * 53 && inside(nodes, n)
      }),
      { numRuns: 2000 },
    )
  })

  test('consistency plans: at most 2·53 nodes, inside the new tree', () => {
    fc.assert(
      fc.property(size, fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const m = Math.max(1, Math.min(n, Math.ceil(f * n)))
        const { nodes } = consistencyProofPlan(m, n)
        return nodes.length <= 2 * 53 && inside(nodes, n)
      }),
      { numRuns: 2000 },
    )
  })
})

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

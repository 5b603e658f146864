// A2 and A3 of RELIABILITY.md, consistency half (the inclusion half is in
// exhaustive-inclusion.test.ts). A2: every inclusion proof of every tree n ≤ 256 and every
// consistency proof m < n ≤ 128 (8,128 pairs), built through plan/assemble from a memory tree,
// equals the proof of a naive recursive generator written here from RFC 9162 §2.1.3.1/§2.1.4.1,
// and verifies. A3: the transparency-dev corruption probes (proof/verify_test.go) on every one of
// those proofs, plus bit flips, counted; no probe may verify.
import { beforeAll, describe, expect, test } from 'vitest'
import {
  createMemoryTree,
  emptyRoot,
  leafHash,
  type MemoryTree,
  nodeHash,
  verifyConsistencyProof,
} from './index.js'

const maxConsistencySize = 128
// About 25 s (inclusion) and 12 s (consistency) of CPU; the timeout leaves room for a busy machine.
const heavyTimeout = 300_000
const leafData = (i: number) => new Uint8Array([i & 0xff, i >> 8, 0x4d])
const someHash = Uint8Array.from(Buffer.from('abacaba000000000000000000000000000000000000000000060061e00123456', 'hex'))
const shortGarbage = new TextEncoder().encode('WrongRoot') // 9 bytes, as transparency-dev uses

// ---- naive reference (plain recursion over the leaf list, memoised subtree hashes) ----
const leaves: Uint8Array[] = []
const memo = new Map<number, Uint8Array>()
function mth(start: number, end: number): Uint8Array {
  if (end - start === 0) return emptyRoot
  const key = start * 4096 + end
  const hit = memo.get(key)
  if (hit) return hit
  let h: Uint8Array
  if (end - start === 1) h = leaves[start] as Uint8Array
  else {
    let k = 1
    while (k * 2 < end - start) k *= 2
    h = nodeHash(mth(start, start + k), mth(start + k, end))
  }
  memo.set(key, h)
  return h
}
/** SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1. */
function refSubproof(m: number, start: number, end: number, b: boolean): Uint8Array[] {
  const n = end - start
  if (m === n) return b ? [] : [mth(start, end)]
  let k = 1
  while (k * 2 < n) k *= 2
  return m <= k
    ? [...refSubproof(m, start, start + k, b), mth(start + k, end)]
    : [...refSubproof(m - k, start + k, end, false), mth(start, start + k)]
}

// ---- probe bookkeeping ----
type Tally = { probes: number; falseAccepts: string[]; byKind: Map<string, number> }
const newTally = (): Tally => ({ probes: 0, falseAccepts: [], byKind: new Map() })
function probe(t: Tally, kind: string, accepted: boolean, where: string) {
  t.probes++
  t.byKind.set(kind, (t.byKind.get(kind) ?? 0) + 1)
  if (accepted && t.falseAccepts.length < 20) t.falseAccepts.push(`${kind} @ ${where}`)
  else if (accepted) t.falseAccepts.push('…')
}
const flipBit = (h: Uint8Array, bit: number) => {
  const c = h.slice()
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7))
  return c
}
/** Which bits to flip: all 256 for the small trees, one rotating bit elsewhere (so every bit
 * position of every proof position is still hit many times across the run). */
const bitsFor = (n: number, salt: number): number[] =>
  n <= 8 ? Array.from({ length: 256 }, (_, b) => b) : [(salt * 37 + n * 11) % 256]

let tree: MemoryTree
const roots: Uint8Array[] = []
beforeAll(() => {
  for (let i = 0; i <= maxConsistencySize + 1; i++) leaves.push(leafHash(leafData(i)))
  tree = createMemoryTree()
  tree.append(leaves)
  for (let n = 0; n <= maxConsistencySize + 1; n++) roots.push(tree.root(n))
})

describe('A2 + A3: every consistency proof for m < n ≤ 128, and its corruptions', () => {
  test('all verify, match the naive generator, and no probe verifies', () => {
    const t = newTally()
    let pairs = 0
    for (let n = 2; n <= maxConsistencySize; n++) {
      const r2 = roots[n] as Uint8Array
      for (let m = 1; m < n; m++) {
        const r1 = roots[m] as Uint8Array
        const proof = tree.consistencyProof(m, n)
        const ref = refSubproof(m, 0, n, true)
        if (proof.length !== ref.length || !proof.every((p, k) => Buffer.compare(p, ref[k] as Uint8Array) === 0))
          expect.fail(`plan/assemble proof differs from the naive one for ${m} -> ${n}`)
        if (!verifyConsistencyProof({ oldSize: m, newSize: n, oldRoot: r1, newRoot: r2, proof }))
          expect.fail(`valid consistency proof rejected for ${m} -> ${n}`)
        pairs++
        const where = `${m} -> ${n}`
        const v = (kind: string, oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, p: readonly Uint8Array[]) =>
          probe(t, kind, verifyConsistencyProof({ oldSize, newSize, oldRoot, newRoot, proof: p }), where)
        const ln = proof.length
        v('oldSize - 1', m - 1, n, r1, r2, proof)
        v('oldSize + 1', m + 1, n, r1, r2, proof)
        v('oldSize ^ 2', m ^ 2, n, r1, r2, proof)
        v('oldSize - 1 (its root)', m - 1, n, roots[m - 1] as Uint8Array, r2, proof)
        v('oldSize + 1 (its root)', m + 1, n, roots[m + 1] as Uint8Array, r2, proof)
        v('newSize * 2', m, n * 2, r1, r2, proof)
        v('newSize / 2', m, Math.floor(n / 2), r1, r2, proof)
        v('newSize + 1 (its root)', m, n + 1, r1, roots[n + 1] as Uint8Array, proof)
        v('newSize - 1 (its root)', m, n - 1, r1, roots[n - 1] as Uint8Array, proof)
        v('wrong old root', m, n, shortGarbage, r2, proof)
        v('wrong new root', m, n, r1, shortGarbage, proof)
        v('random old root', m, n, someHash, r2, proof)
        v('random new root', m, n, r1, someHash, proof)
        v('empty old root', m, n, emptyRoot, r2, proof)
        v('empty new root', m, n, r1, emptyRoot, proof)
        v('swapped roots', m, n, r2, r1, proof)
        v('empty proof', m, n, r1, r2, [])
        v('trailing garbage', m, n, r1, r2, [...proof, new Uint8Array()])
        v('trailing old root', m, n, r1, r2, [...proof, r1])
        v('trailing new root', m, n, r1, r2, [...proof, r2])
        v('preceding garbage', m, n, r1, r2, [new Uint8Array(), ...proof])
        v('preceding old root', m, n, r1, r2, [r1, ...proof])
        v('preceding new root', m, n, r1, r2, [r2, ...proof])
        v('preceding proof[0]', m, n, r1, r2, [proof[0] as Uint8Array, ...proof])
        v('removed last component (truncated)', m, n, r1, r2, proof.slice(0, -1))
        if (ln > 1) {
          v('removed first component', m, n, r1, r2, proof.slice(1))
          v('inserted component', m, n, r1, r2, [proof[0] as Uint8Array, someHash, ...proof.slice(1)])
          v('first two swapped', m, n, r1, r2, [proof[1] as Uint8Array, proof[0] as Uint8Array, ...proof.slice(2)])
        }
        for (let k = 0; k < ln; k++)
          for (const bit of bitsFor(n, m + k)) {
            const bad = proof.slice()
            bad[k] = flipBit(proof[k] as Uint8Array, bit)
            v('bit flip in a proof element', m, n, r1, r2, bad)
          }
        for (const bit of bitsFor(n, m + 101)) v('bit flip in the old root', m, n, flipBit(r1, bit), r2, proof)
        for (const bit of bitsFor(n, m + 211)) v('bit flip in the new root', m, n, r1, flipBit(r2, bit), proof)
      }
    }
    expect(pairs).toBe(8128)
    console.log(`A3 consistency: ${pairs} pairs, ${t.probes} probes, ${t.falseAccepts.length} false accepts`, Object.fromEntries(t.byKind))
    expect(t.falseAccepts).toEqual([])
    expect(t.probes).toBeGreaterThanOrEqual(150_000)
  }, heavyTimeout)
})


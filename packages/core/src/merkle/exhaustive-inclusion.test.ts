// A2 and A3 of RELIABILITY.md, inclusion half (the consistency half is in
// exhaustive-consistency.test.ts; two files so the runner can use both cores). A2: every inclusion proof of every tree n ≤ 256 and every
// consistency proof m < n ≤ 128 (8,128 pairs), built through plan/assemble from a memory tree,
// equals the proof of a naive recursive generator written here from RFC 9162 §2.1.3.1/§2.1.4.1,
// and verifies. A3: the transparency-dev corruption probes (proof/verify_test.go) on every one of
// those proofs, plus bit flips, counted; no probe may verify.
import { sha256 } from '@noble/hashes/sha2.js'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  createMemoryTree,
  emptyRoot,
  leafHash,
  type MemoryTree,
  nodeHash,
  verifyInclusionProof,
} from './index.js'

const maxInclusionSize = 256
// About 25 s (inclusion) and 12 s (consistency) of CPU; the timeout leaves room for a busy machine.
const heavyTimeout = 300_000
const leafData = (i: number) => new Uint8Array([i & 0xff, i >> 8, 0x4d])
const someHash = Uint8Array.from(Buffer.from('abacaba000000000000000000000000000000000000000000060061e00123456', 'hex'))
const extrasUpTo = 64
const wrongLeaf = leafHash(new TextEncoder().encode('WrongLeaf'))
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
/** PATH(m, D[start:end]) of RFC 9162 §2.1.3.1. */
function refPath(m: number, start: number, end: number): Uint8Array[] {
  const n = end - start
  if (n <= 1) return []
  let k = 1
  while (k * 2 < n) k *= 2
  return m < k ? [...refPath(m, start, start + k), mth(start + k, end)] : [...refPath(m - k, start + k, end), mth(start, start + k)]
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
  for (let i = 0; i <= 2 * maxInclusionSize; i++) leaves.push(leafHash(leafData(i)))
  tree = createMemoryTree()
  tree.append(leaves)
  for (let n = 0; n <= 2 * maxInclusionSize; n++) roots.push(tree.root(n))
})

describe('A2: exhaustive small trees', () => {
  test('roots through rootPlan equal the naive MTH for every size 0..512', () => {
    for (let n = 0; n <= 2 * maxInclusionSize; n++) expect(roots[n]).toEqual(mth(0, n))
  })
})

describe('A2 + A3: every inclusion proof for n ≤ 256, and its corruptions', () => {
  test('all verify, match the naive generator, and no probe verifies', () => {
    const t = newTally()
    let proofs = 0
    for (let n = 1; n <= maxInclusionSize; n++) {
      const root = roots[n] as Uint8Array
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n)
        const lh = leaves[i] as Uint8Array
        const ref = refPath(i, 0, n)
        if (proof.length !== ref.length || !proof.every((p, k) => Buffer.compare(p, ref[k] as Uint8Array) === 0))
          expect.fail(`plan/assemble proof differs from the naive one at index ${i} size ${n}`)
        if (!verifyInclusionProof({ leafHash: lh, leafIndex: i, treeSize: n, proof, root }))
          expect.fail(`valid proof rejected at index ${i} size ${n}`)
        proofs++
        const where = `index ${i} size ${n}`
        const v = (kind: string, leafIndex: number, treeSize: number, p: readonly Uint8Array[], r: Uint8Array, l = lh) =>
          probe(t, kind, verifyInclusionProof({ leafHash: l, leafIndex, treeSize, proof: p, root: r }), where)
        const ln = proof.length
        v('leafIndex - 1', i - 1, n, proof, root)
        v('leafIndex + 1', i + 1, n, proof, root)
        v('leafIndex ^ 2', i ^ 2, n, proof, root)
        v('treeSize * 2', i, n * 2, proof, root)
        v('treeSize / 2', i, Math.floor(n / 2), proof, root)
        // A neighbouring tree size is presented with its own root, as a checkpoint would pair them;
        // with the root left unchanged RFC 9162 verification cannot tell n from n ± 1 in some
        // shapes (see the binding test below).
        v('treeSize + 1 (its root)', i, n + 1, proof, roots[n + 1] as Uint8Array)
        v('treeSize - 1 (its root)', i, n - 1, proof, roots[n - 1] as Uint8Array)
        v('wrong leaf', i, n, proof, root, wrongLeaf)
        v('empty root', i, n, proof, emptyRoot)
        v('random root', i, n, proof, someHash)
        if (n <= extrasUpTo) {
          // Extra probes beyond transparency-dev's list, on the smaller trees only (run time).
          v('wrong leaf (not 32 bytes)', i, n, proof, root, shortGarbage)
          v('leaf of the neighbour', i, n, proof, root, leaves[i ^ 1] as Uint8Array)
          if (n > 1) v('leaf and root swapped', i, n, proof, lh, root) // size 1: the root is the leaf
          if (ln > 0) v('removed first component', i, n, proof.slice(1), root)
          if (ln > 0) v('proof[0] duplicated', i, n, [proof[0] as Uint8Array, ...proof], root)
          if (ln > 1) v('first two swapped', i, n, [proof[1] as Uint8Array, proof[0] as Uint8Array, ...proof.slice(2)], root)
        }
        v('trailing garbage', i, n, [...proof, new Uint8Array()], root)
        v('trailing root', i, n, [...proof, root], root)
        v('preceding garbage', i, n, [new Uint8Array(), ...proof], root)
        v('preceding root', i, n, [root, ...proof], root)
        if (ln > 0) v('removed last component (truncated)', i, n, proof.slice(0, -1), root)
        if (ln > 1) v('inserted component', i, n, [proof[0] as Uint8Array, someHash, ...proof.slice(1)], root)
        for (let k = 0; k < ln; k++)
          for (const bit of bitsFor(n, i + k)) {
            const bad = proof.slice()
            bad[k] = flipBit(proof[k] as Uint8Array, bit)
            v('bit flip in a proof element', i, n, bad, root)
          }
        for (const bit of bitsFor(n, i + 101)) v('bit flip in the leaf hash', i, n, proof, root, flipBit(lh, bit))
        for (const bit of bitsFor(n, i + 211)) v('bit flip in the root', i, n, proof, flipBit(root, bit))
      }
    }
    expect(proofs).toBe((maxInclusionSize * (maxInclusionSize + 1)) / 2)
    console.log(`A3 inclusion: ${proofs} proofs, ${t.probes} probes, ${t.falseAccepts.length} false accepts`, Object.fromEntries(t.byKind))
    expect(t.falseAccepts).toEqual([])
    expect(t.probes).toBeGreaterThanOrEqual(150_000)
  }, heavyTimeout)
})

describe('what a proof binds', () => {
  test('the tree size is bound by the signed checkpoint, not by the inclusion proof alone', () => {
    // RFC 9162 verification walks the proof by the shape of (index, size); sizes 5 and 6 give leaf 0
    // the same shape, so the proof for size 6 also "verifies" for size 5 against the size-6 root.
    // A checkpoint signs size and root together, so that pair is never presented; the probes above
    // therefore pair a changed size with its own root.
    const proof6 = tree.inclusionProof(0, 6)
    expect(verifyInclusionProof({ leafHash: leaves[0] as Uint8Array, leafIndex: 0, treeSize: 5, proof: proof6, root: roots[6] as Uint8Array })).toBe(true)
    expect(verifyInclusionProof({ leafHash: leaves[0] as Uint8Array, leafIndex: 0, treeSize: 5, proof: proof6, root: roots[5] as Uint8Array })).toBe(false)
    expect(sha256(new Uint8Array())).toEqual(emptyRoot)
  })
})

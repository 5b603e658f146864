// Contracts of the public Merkle functions: errors for bad arguments, verifiers that never throw,
// and tree sizes beyond 32 bits.
import { describe, expect, test } from 'vitest'
import { MintmarkError } from '../errors/base.js'
import {
  appendLeaves,
  compactRangeRoot,
  consistencyProofPlan,
  createMemoryTree,
  emptyCompactRange,
  emptyRoot,
  inclusionProofPlan,
  leafHash,
  type NodeId,
  nodeHash,
  rootFromLeafHashes,
  rootPlan,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './index.js'

const code = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    if (e instanceof MintmarkError) return e.code
    throw e
  }
  return 'no error'
}

const leaves = Array.from({ length: 40 }, (_, i) => leafHash(new Uint8Array([i])))

describe('plans reject bad arguments with MERKLE_INDEX_OUT_OF_RANGE', () => {
  test.each([
    ['index = size', () => inclusionProofPlan(5, 5)],
    ['negative index', () => inclusionProofPlan(-1, 5)],
    ['fractional index', () => inclusionProofPlan(1.5, 5)],
    ['NaN size', () => inclusionProofPlan(0, Number.NaN)],
    ['size above 2^53', () => inclusionProofPlan(0, 2 ** 53)],
    ['empty tree', () => inclusionProofPlan(0, 0)],
    ['old size 0', () => consistencyProofPlan(0, 5)],
    ['old > new', () => consistencyProofPlan(6, 5)],
    ['new size not safe', () => consistencyProofPlan(1, 2 ** 53 + 2)],
    ['root of negative size', () => rootPlan(-1)],
    ['root of Infinity', () => rootPlan(Number.POSITIVE_INFINITY)],
  ])('%s', (_, fn) => {
    expect(code(fn)).toBe('MERKLE_INDEX_OUT_OF_RANGE')
  })

  test('equal sizes give an empty consistency proof', () => {
    const plan = consistencyProofPlan(7, 7)
    expect(plan.nodes).toEqual([])
    expect(plan.assemble([])).toEqual([])
  })
})

describe('assemble checks what the store handed back', () => {
  test('wrong count or hash length is MERKLE_PROOF_MALFORMED', () => {
    const plan = inclusionProofPlan(3, 11)
    const tree = createMemoryTree()
    tree.append(leaves.slice(0, 11))
    const hashes = tree.getNodes(plan.nodes)
    expect(code(() => plan.assemble(hashes.slice(1)))).toBe('MERKLE_PROOF_MALFORMED')
    expect(code(() => plan.assemble([...hashes, emptyRoot]))).toBe('MERKLE_PROOF_MALFORMED')
    expect(code(() => plan.assemble(hashes.map((h, i) => (i === 0 ? h.slice(1) : h))))).toBe('MERKLE_PROOF_MALFORMED')
    expect(code(() => rootPlan(3).assemble([]))).toBe('MERKLE_PROOF_MALFORMED')
    expect(code(() => rootPlan(0).assemble([emptyRoot]))).toBe('MERKLE_PROOF_MALFORMED')
  })

  test('the right-edge sibling is folded from its perfect parts', () => {
    // Leaf 3 of 11: siblings [2,3), [0,2), [4,8), then [8,11) = node(8..10) + leaf 10.
    const plan = inclusionProofPlan(3, 11)
    expect(plan.nodes).toEqual([
      { level: 0, index: 2 },
      { level: 1, index: 0 },
      { level: 2, index: 1 },
      { level: 1, index: 4 },
      { level: 0, index: 10 },
    ])
    const tree = createMemoryTree()
    tree.append(leaves.slice(0, 11))
    const proof = plan.assemble(tree.getNodes(plan.nodes))
    expect(proof).toHaveLength(4)
    expect(proof[3]).toEqual(rootFromLeafHashes(leaves.slice(8, 11)))
  })
})

describe('verifiers never throw', () => {
  const tree = createMemoryTree()
  tree.append(leaves)
  const root = tree.root()
  const proof = tree.inclusionProof(7)
  const junk: unknown[] = [null, undefined, 'x', 8, {}, [1, 2], new Uint8Array(31), -1, Number.NaN, 2 ** 60, 1.5]

  test('inclusion: every field replaced by junk gives false', () => {
    const good = { leafHash: leaves[7] as Uint8Array, leafIndex: 7, treeSize: 40, proof, root }
    expect(verifyInclusionProof(good)).toBe(true)
    for (const key of Object.keys(good))
      for (const j of junk) expect(verifyInclusionProof({ ...good, [key]: j } as never)).toBe(false)
    expect(verifyInclusionProof(null as never)).toBe(false)
    expect(verifyInclusionProof({ ...good, proof: [...proof, ...Array(100).fill(emptyRoot)] })).toBe(false)
    expect(verifyInclusionProof({ ...good, proof: [null, ...proof.slice(1)] as never })).toBe(false)
  })

  test('consistency: every field replaced by junk gives false', () => {
    const good = { oldSize: 13, newSize: 40, oldRoot: tree.root(13), newRoot: root, proof: tree.consistencyProof(13) }
    expect(verifyConsistencyProof(good)).toBe(true)
    for (const key of Object.keys(good))
      for (const j of junk) expect(verifyConsistencyProof({ ...good, [key]: j } as never)).toBe(false)
    expect(verifyConsistencyProof(undefined as never)).toBe(false)
  })
})

describe('compact ranges and the memory tree', () => {
  test('appendLeaves validates its input and does not change the range it is given', () => {
    const first = appendLeaves(emptyCompactRange, leaves.slice(0, 3))
    const snapshot = { size: first.range.size, peaks: first.range.peaks.map((p) => p.slice()) }
    appendLeaves(first.range, leaves.slice(3, 9))
    expect(first.range).toEqual(snapshot)
    expect(code(() => appendLeaves(first.range, [new Uint8Array(31)]))).toBe('INPUT_INVALID')
    expect(code(() => appendLeaves({ size: 3, peaks: [emptyRoot] }, []))).toBe('INPUT_INVALID')
    expect(code(() => appendLeaves({ size: -1, peaks: [] }, []))).toBe('INPUT_INVALID')
    expect(code(() => compactRangeRoot({ size: 2, peaks: [emptyRoot, emptyRoot] }))).toBe('INPUT_INVALID')
    expect(code(() => appendLeaves(emptyCompactRange, 'abc' as never))).toBe('INPUT_INVALID')
    expect(code(() => appendLeaves({ size: Number.MAX_SAFE_INTEGER, peaks: Array(53).fill(emptyRoot) }, [emptyRoot]))).toBe(
      'MERKLE_INDEX_OUT_OF_RANGE',
    )
  })

  test('rootFromLeafHashes rejects hashes that are not 32 bytes', () => {
    expect(code(() => rootFromLeafHashes([emptyRoot, new Uint8Array(3)]))).toBe('INPUT_INVALID')
  })

  test('memory tree: history stays provable, and asking past the end is an error', () => {
    const tree = createMemoryTree()
    tree.append(leaves.slice(0, 10))
    const root10 = tree.root()
    tree.append(leaves.slice(10))
    expect(tree.size).toBe(40)
    expect(tree.nodeCount).toBe(2 * 40 - 2)
    expect(tree.root(10)).toEqual(root10)
    expect(verifyInclusionProof({ leafHash: leaves[4] as Uint8Array, leafIndex: 4, treeSize: 10, proof: tree.inclusionProof(4, 10), root: root10 })).toBe(true)
    expect(verifyConsistencyProof({ oldSize: 10, newSize: 40, oldRoot: root10, newRoot: tree.root(), proof: tree.consistencyProof(10) })).toBe(true)
    expect(code(() => tree.root(41))).toBe('MERKLE_INDEX_OUT_OF_RANGE')
    expect(code(() => tree.inclusionProof(3, 41))).toBe('MERKLE_INDEX_OUT_OF_RANGE')
    expect(code(() => tree.consistencyProof(3, 41))).toBe('MERKLE_INDEX_OUT_OF_RANGE')
    expect(code(() => tree.getNodes([{ level: 6, index: 0 }]))).toBe('STORE_CORRUPT')
    expect(tree.compactRange()).toEqual({ size: 40, peaks: [tree.getNodes([{ level: 5, index: 0 }])[0], tree.getNodes([{ level: 3, index: 4 }])[0]] })
  })
})

describe('tree sizes beyond 32 bits', () => {
  // A tree whose leaves all hash to the same value has perfect subtree hashes that depend only on
  // the level, so any size up to 2^53 - 1 can be "stored" without storing anything.
  const levelHash: Uint8Array[] = [leafHash(new Uint8Array([42]))]
  for (let l = 1; l <= 53; l++) levelHash.push(nodeHash(levelHash[l - 1] as Uint8Array, levelHash[l - 1] as Uint8Array))
  const read = (ids: NodeId[]) => ids.map(({ level }) => levelHash[level] as Uint8Array)
  const rootOf = (n: number) => {
    const plan = rootPlan(n)
    return plan.assemble(read(plan.nodes))
  }
  const sizes = [2 ** 32 + 1, 2 ** 32 + 3, 2 ** 40 + 12345, 2 ** 52 + 2 ** 31 + 7, Number.MAX_SAFE_INTEGER]

  test.each(sizes)('inclusion and consistency at size %d', (n) => {
    const root = rootOf(n)
    for (const i of [0, 2 ** 31, 2 ** 32 - 1, 2 ** 32, n - 2, n - 1]) {
      if (i >= n) continue
      const plan = inclusionProofPlan(i, n)
      const proof = plan.assemble(read(plan.nodes))
      expect(verifyInclusionProof({ leafHash: levelHash[0] as Uint8Array, leafIndex: i, treeSize: n, proof, root })).toBe(true)
      expect(verifyInclusionProof({ leafHash: levelHash[0] as Uint8Array, leafIndex: i, treeSize: n * 2, proof, root })).toBe(false)
    }
    for (const m of [1, 2 ** 32 - 1, 2 ** 32 + 1, Math.floor(n / 3), n - 1]) {
      const plan = consistencyProofPlan(m, n)
      const proof = plan.assemble(read(plan.nodes))
      const oldRoot = rootOf(m)
      expect(verifyConsistencyProof({ oldSize: m, newSize: n, oldRoot, newRoot: root, proof })).toBe(true)
      if (m < n) expect(verifyConsistencyProof({ oldSize: m, newSize: n, oldRoot: root, newRoot: oldRoot, proof })).toBe(false)
    }
  })
})

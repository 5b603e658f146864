// Replays vectors/merkle.json through Mintmark's Merkle code, and checks that the file is exactly
// what vectors/generate-merkle.ts (node:crypto + the recursive RFC definitions) produces now.
// MINTMARK_WRITE_VECTORS=1 rewrites the file first.
import { readFileSync } from 'node:fs'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  consistencyProofPlan,
  createMemoryTree,
  emptyRoot,
  inclusionProofPlan,
  leafHash,
  type MemoryTree,
  rootFromLeafHashes,
  verifyConsistencyProof,
  verifyInclusionProof,
} from '../packages/core/src/merkle/index.js'
import { formatMerkleVectors, generateMerkleVectors, type MerkleVectors, merkleVectorsUrl, publishedRoots, writeMerkleVectors } from './generate-merkle.js'

const h = (s: string) => hexToBytes(s.slice(2))
const x = (b: Uint8Array) => `0x${bytesToHex(b)}`


let doc: MerkleVectors
let text: string
/** One memory tree per vector tree, and a lookup from a root to the tree that has it. */
const byRoot = new Map<string, MemoryTree>()

beforeAll(() => {
  if (process.env.MINTMARK_WRITE_VECTORS === '1') writeMerkleVectors()
  text = readFileSync(merkleVectorsUrl, 'utf8')
  doc = JSON.parse(text) as MerkleVectors
  for (const t of doc.trees) {
    const tree = createMemoryTree()
    tree.append(t.leafHashes.map(h))
    for (const r of t.roots) byRoot.set(`${r.size}:${r.root}`, tree)
  }
})

describe('vectors/merkle.json', () => {
  test('is exactly what the generator produces', () => {
    expect(text).toBe(formatMerkleVectors(generateMerkleVectors()))
  })

  test('the 8-leaf tree has the published transparency-dev roots; the empty root is e3b0c442…', () => {
    const t = doc.trees.find((tree) => tree.name === 'transparency-dev-8')
    expect(t?.roots.map((r) => r.root)).toEqual(publishedRoots.map((r) => `0x${r}`))
    expect(doc.emptyRoot).toBe(x(emptyRoot))
  })

  test('leaf hashes and roots match the production code', () => {
    for (const t of doc.trees) {
      expect(t.leaves.map((l) => x(leafHash(h(l))))).toEqual(t.leafHashes)
      const tree = byRoot.get(`${t.roots[1]?.size}:${t.roots[1]?.root}`) as MemoryTree
      for (const r of t.roots) {
        expect(x(tree.root(r.size))).toBe(r.root)
        expect(x(rootFromLeafHashes(t.leafHashes.slice(0, r.size).map(h)))).toBe(r.root)
      }
    }
  })

  test('every inclusion vector verifies and equals the plan/assemble proof', () => {
    expect(doc.inclusion.length).toBeGreaterThan(150)
    for (const v of doc.inclusion) {
      const ok = verifyInclusionProof({ leafHash: h(v.leafHash), leafIndex: v.index, treeSize: v.size, proof: v.proof.map(h), root: h(v.root) })
      expect(ok, `${v.index}/${v.size}`).toBe(true)
      const tree = byRoot.get(`${v.size}:${v.root}`) as MemoryTree
      const plan = inclusionProofPlan(v.index, v.size)
      expect(plan.assemble(tree.getNodes(plan.nodes)).map(x)).toEqual(v.proof)
    }
  })

  test('every consistency vector verifies and equals the plan/assemble proof', () => {
    expect(doc.consistency.length).toBeGreaterThan(100)
    for (const v of doc.consistency) {
      const ok = verifyConsistencyProof({ oldSize: v.oldSize, newSize: v.newSize, oldRoot: h(v.oldRoot), newRoot: h(v.newRoot), proof: v.proof.map(h) })
      expect(ok, `${v.oldSize}/${v.newSize}`).toBe(true)
      const tree = byRoot.get(`${v.newSize}:${v.newRoot}`) as MemoryTree
      const plan = consistencyProofPlan(v.oldSize, v.newSize)
      expect(plan.assemble(tree.getNodes(plan.nodes)).map(x)).toEqual(v.proof)
    }
  })

  test('every tampered vector fails', () => {
    expect(doc.tampered.inclusion.length).toBeGreaterThan(100)
    expect(doc.tampered.consistency.length).toBeGreaterThan(50)
    for (const v of doc.tampered.inclusion) {
      const ok = verifyInclusionProof({ leafHash: h(v.leafHash), leafIndex: v.index, treeSize: v.size, proof: v.proof.map(h), root: h(v.root) })
      expect(ok, `${v.reason} @ ${v.index}/${v.size}`).toBe(false)
    }
    for (const v of doc.tampered.consistency) {
      const ok = verifyConsistencyProof({ oldSize: v.oldSize, newSize: v.newSize, oldRoot: h(v.oldRoot), newRoot: h(v.newRoot), proof: v.proof.map(h) })
      expect(ok, `${v.reason} @ ${v.oldSize}/${v.newSize}`).toBe(false)
    }
  })
})

import { MintmarkError } from '../errors/base.js'
import { appendLeaves } from './append-leaves.js'
import { emptyCompactRange } from './compact-range.js'
import { consistencyProofPlan } from './consistency-proof-plan.js'
import { inclusionProofPlan } from './inclusion-proof-plan.js'
import { rootPlan } from './root-plan.js'
import type { CompactRange, NodeId, StoredNode } from './types.js'

export type MemoryTree = {
  /** Number of leaves appended so far. */
  readonly size: number
  /** Appends leaf hashes; returns the perfect nodes written. */
  append(leafHashes: readonly Uint8Array[]): StoredNode[]
  /** Stored node hashes in the order asked; throws STORE_CORRUPT for a node that is not stored. */
  getNodes(ids: readonly NodeId[]): Uint8Array[]
  /** Root of the tree at `treeSize` (default: the current size), read through {@link rootPlan}. */
  root(treeSize?: number): Uint8Array
  /** Inclusion proof read through {@link inclusionProofPlan}. */
  inclusionProof(leafIndex: number, treeSize?: number): Uint8Array[]
  /** Consistency proof read through {@link consistencyProofPlan}. */
  consistencyProof(oldSize: number, newSize?: number): Uint8Array[]
  /** The current compact range (what a sequencer keeps to append without reading nodes). */
  compactRange(): CompactRange
  /** Number of stored perfect nodes (about 2 per leaf). */
  readonly nodeCount: number
}

/**
 * A small in-memory node store over {@link appendLeaves} and the plans: every perfect node is kept
 * in a map keyed by level and index, as the SQL stores keep them. For tests and tools; proofs for
 * any size up to the current one come from the same nodes.
 */
export function createMemoryTree(): MemoryTree {
  const store = new Map<string, Uint8Array>()
  let range: CompactRange = emptyCompactRange
  const key = (level: number, index: number) => `${level}/${index}`

  const getNodes = (ids: readonly NodeId[]): Uint8Array[] =>
    ids.map(({ level, index }) => {
      const hash = store.get(key(level, index))
      if (!hash)
        throw new MintmarkError('STORE_CORRUPT', 'A Merkle node the plan needs is not stored.', {
          details: `node level ${level} index ${index}`,
        })
      return hash
    })

  const checkSize = (treeSize: number) => {
    if (treeSize > range.size)
      throw new MintmarkError('MERKLE_INDEX_OUT_OF_RANGE', 'The tree size asked for is larger than the tree.', {
        details: `asked ${treeSize}, tree has ${range.size} leaves`,
      })
  }

  return {
    get size() {
      return range.size
    },
    get nodeCount() {
      return store.size
    },
    append(leafHashes) {
      const result = appendLeaves(range, leafHashes)
      for (const node of result.nodes) store.set(key(node.level, node.index), node.hash)
      range = result.range
      return result.nodes
    },
    getNodes,
    root(treeSize = range.size) {
      const plan = rootPlan(treeSize)
      checkSize(treeSize)
      return plan.assemble(getNodes(plan.nodes))
    },
    inclusionProof(leafIndex, treeSize = range.size) {
      const plan = inclusionProofPlan(leafIndex, treeSize)
      checkSize(treeSize)
      return plan.assemble(getNodes(plan.nodes))
    },
    consistencyProof(oldSize, newSize = range.size) {
      const plan = consistencyProofPlan(oldSize, newSize)
      checkSize(newSize)
      return plan.assemble(getNodes(plan.nodes))
    },
    compactRange() {
      return { size: range.size, peaks: range.peaks.slice() }
    },
  }
}


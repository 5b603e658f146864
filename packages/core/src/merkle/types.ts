/**
 * A perfect subtree of the log: the hash of leaves [index·2^level, (index+1)·2^level).
 * Level 0 is a leaf hash. Stores keep every such node once the tree has grown past it; nodes never
 * change after that, so any historical tree size can be proven from the current store.
 */
export type NodeId = { level: number; index: number }

/**
 * A proof computed in two steps: `nodes` lists the perfect subtrees needed (O(log n) of them), the
 * caller fetches their hashes in one batch (sync or async), and `assemble` builds the proof from
 * them, hashing the incomplete right-edge subtrees from their perfect parts.
 */
export type ProofPlan = {
  nodes: NodeId[]
  /** `hashes` in the order of `nodes`; returns the proof, leaf-to-root as RFC 9162 orders it. */
  assemble(hashes: readonly Uint8Array[]): Uint8Array[]
}

/** Like {@link ProofPlan}, for a tree head: `assemble` returns the root hash. */
export type RootPlan = {
  nodes: NodeId[]
  assemble(hashes: readonly Uint8Array[]): Uint8Array
}

/**
 * A compact range over [0, size): the roots of the perfect subtrees covering it, largest
 * (leftmost) first, one per set bit of `size`. Enough to append leaves and compute the root.
 */
export type CompactRange = { size: number; peaks: Uint8Array[] }

/** A perfect node together with its hash, as {@link appendLeaves} reports it for storage. */
export type StoredNode = NodeId & { hash: Uint8Array }

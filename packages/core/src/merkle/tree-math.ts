// Internal helpers shared by the plans, the verifiers and the compact range. Tree sizes go up to
// Number.MAX_SAFE_INTEGER, so this file never uses JS bitwise operators (they truncate to 32 bits).
import { MintmarkError } from '../errors/base.js'
import { nodeHash } from './node-hash.js'
import type { NodeId } from './types.js'

export const hashLength = 32

export function isSafeCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
}

export function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === hashLength
}

/** Throws MERKLE_INDEX_OUT_OF_RANGE unless `n` is a non-negative safe integer. */
export function assertSafeCount(n: unknown, what: string): asserts n is number {
  if (!isSafeCount(n))
    throw new MintmarkError('MERKLE_INDEX_OUT_OF_RANGE', `${what} must be a non-negative safe integer.`, {
      details: `got ${describe(n)}`,
    })
}

/** Throws INPUT_INVALID unless `h` is a 32-byte Uint8Array. */
export function assertHash(h: unknown, what: string): asserts h is Uint8Array {
  if (!isHash(h))
    throw new MintmarkError('INPUT_INVALID', `${what} must be a 32-byte SHA-256 hash.`, { details: `got ${describe(h)}` })
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`
  if (typeof v === 'number') return String(v)
  return typeof v
}

/** Largest power of two strictly below n (n ≥ 2): the split point k of RFC 6962 §2.1. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** Largest power of two ≤ n (n ≥ 1). */
function largestPowerOfTwoAtMost(n: number): { size: number; level: number } {
  let size = 1
  let level = 0
  while (size * 2 <= n) {
    size *= 2
    level++
  }
  return { size, level }
}

/** Number of set bits of a safe integer. */
export function popcount(n: number): number {
  let count = 0
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2
  return count
}

/**
 * The perfect subtrees covering [start, end), largest first. For every range a proof or a root
 * names, start is a multiple of the first (largest) piece, so the pieces are aligned nodes.
 */
export function perfectNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = []
  let at = start
  while (at < end) {
    const { size, level } = largestPowerOfTwoAtMost(end - at)
    if (at % size !== 0) throw new Error(`internal: range [${start}, ${end}) is not aligned at ${at}`)
    nodes.push({ level, index: at / size })
    at += size
  }
  return nodes
}

/** MTH of a range from its perfect pieces (largest first): a right fold, as the RFC's split does. */
export function foldPeaks(peaks: readonly Uint8Array[]): Uint8Array {
  let acc = peaks[peaks.length - 1] as Uint8Array
  for (let i = peaks.length - 2; i >= 0; i--) acc = nodeHash(peaks[i] as Uint8Array, acc)
  return acc
}

/** A list of subtree ranges [start, end) whose hashes, in order, make up a proof or a root. */
export type Segment = readonly [start: number, end: number]

/**
 * Turns segments into the node list and the assembler: each segment needs the perfect nodes that
 * cover it, and its hash is their fold. The assembler checks what the store handed back.
 */
export function planSegments(segments: readonly Segment[]): {
  nodes: NodeId[]
  assemble(hashes: readonly Uint8Array[]): Uint8Array[]
} {
  const nodes: NodeId[] = []
  const counts: number[] = []
  for (const [start, end] of segments) {
    const pieces = perfectNodes(start, end)
    counts.push(pieces.length)
    nodes.push(...pieces)
  }
  return {
    nodes,
    assemble(hashes) {
      if (!Array.isArray(hashes) || hashes.length !== nodes.length || !hashes.every(isHash))
        throw new MintmarkError('MERKLE_PROOF_MALFORMED', 'The node hashes handed to assemble() do not match the plan.', {
          details: `expected ${nodes.length} hashes of ${hashLength} bytes, in the order of plan.nodes`,
        })
      const out: Uint8Array[] = []
      let at = 0
      for (const count of counts) {
        out.push(foldPeaks(hashes.slice(at, at + count)).slice())
        at += count
      }
      return out
    },
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Proofs longer than this cannot be valid for any safe-integer tree size (log2(2^53) = 53). */
export const maxProofLength = 64

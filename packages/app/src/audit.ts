import { bytesToHex } from '@noble/hashes/utils.js'
import {
  type CompactRange,
  appendLeaves,
  compactRangeRoot,
  createEd25519NoteVerifier,
  decodeLogEntry,
  emptyCompactRange,
  leafHash,
  openNote,
  parseCheckpoint,
} from '@mintmark/core'
import type { AppContext } from './open-app.js'
import { homePaths, readConfig } from './home.js'

export type AuditProblem = { code: string; detail: string }
export type AuditReport = { ok: boolean; entries: number; blobsChecked: number; checkpoints: number; root: string; problems: AuditProblem[] }

/**
 * Re-derives everything the log claims from what is stored: every leaf hash from its data, every
 * asset's blob from its bytes, the root from all leaves (independently of the stored tree nodes),
 * and every checkpoint's root and signature. Any difference is a problem; none are repaired.
 */
export async function auditStore(ctx: AppContext, options: { blobs?: boolean } = {}): Promise<AuditReport> {
  const problems: AuditProblem[] = []
  // PostgreSQL checks its own pages; SQLite's integrity_check is the embedded store's equivalent.
  const integrity = ctx.sqlite ? ctx.sqlite.integrityCheck() : 'ok'
  if (integrity !== 'ok') problems.push({ code: 'STORE_CORRUPT', detail: `SQLite integrity_check: ${integrity}` })

  const size = await ctx.store.size()
  const checkpointRoots = new Map<number, Uint8Array>()
  let range: CompactRange = emptyCompactRange
  let entries = 0
  let blobsChecked = 0
  let batch: Uint8Array[] = []
  const cpSizes = new Set(await allCheckpointSizes(ctx))
  const flushTo = () => {
    range = appendLeaves(range, batch).range
    batch = []
  }
  for await (const e of pagedEntries(ctx, size)) {
    if (e.index !== entries) problems.push({ code: 'STORE_CORRUPT', detail: `Log index ${entries} is missing (next is ${e.index}).` })
    entries = e.index + 1
    const lh = leafHash(e.data)
    if (!equalBytes(lh, e.leafHash)) problems.push({ code: 'LEAF_HASH_MISMATCH', detail: `Entry ${e.index}: stored leaf hash does not match its data.` })
    try {
      const entry = decodeLogEntry(e.data)
      if (options.blobs !== false && e.assetCid) {
        blobsChecked++
        if (!(await ctx.blobs.verify(entry.statement.asset.cid)))
          problems.push({ code: 'CONTENT_HASH_MISMATCH', detail: `Entry ${e.index}: blob ${entry.statement.asset.cid} is missing or does not hash to its CID.` })
      }
    } catch (error) {
      problems.push({ code: 'STATEMENT_SCHEMA_INVALID', detail: `Entry ${e.index} does not decode: ${(error as Error).message.split('\n')[0]}` })
    }
    batch.push(lh)
    if (cpSizes.has(e.index + 1)) {
      flushTo()
      checkpointRoots.set(e.index + 1, compactRangeRoot(range))
    } else if (batch.length >= 4096) flushTo()
  }
  flushTo()
  const root = range.size ? compactRangeRoot(range) : new Uint8Array(32)
  if (range.size !== size) problems.push({ code: 'STORE_CORRUPT', detail: `Counted ${range.size} leaves, the store says ${size}.` })
  if (size > 0 && !equalBytes(root, await ctx.store.rootAt(size)))
    problems.push({ code: 'LOG_ROOT_MISMATCH', detail: 'The root recomputed from the leaves differs from the root of the stored tree nodes.' })

  // A frozen log (ADR 0016) ends at its final checkpoint: an entry past it came from a writer
  // that raced the freeze, and is not covered by the final signed head.
  const frozen = (await readConfig(homePaths(ctx.home).config)).frozen
  if (frozen && size > frozen.size)
    problems.push({ code: 'LOG_FROZEN', detail: `The log was frozen at size ${frozen.size} but holds ${size} entries.` })
  if (frozen && !cpSizes.has(frozen.size))
    problems.push({ code: 'CHECKPOINT_NOT_FOUND', detail: `The log was frozen at size ${frozen.size} but holds no checkpoint of that size.` })

  const verifier = createEd25519NoteVerifier(ctx.logKey)
  for (const s of cpSizes) {
    const c = await ctx.store.getCheckpoint(s)
    if (!c) continue
    if (s > size) {
      problems.push({ code: 'LOG_ROOT_MISMATCH', detail: `A checkpoint is signed at size ${s}, beyond the ${size} stored leaves.` })
      continue
    }
    const recomputed = checkpointRoots.get(s)
    if (!recomputed || !equalBytes(recomputed, c.rootHash))
      problems.push({ code: 'LOG_ROOT_MISMATCH', detail: `The checkpoint at size ${s} does not match the root recomputed from the leaves.` })
    try {
      const cp = parseCheckpoint(openNote(c.note, [verifier]).text)
      if (cp.size !== s || !equalBytes(cp.rootHash, c.rootHash))
        problems.push({ code: 'CHECKPOINT_MALFORMED', detail: `The signed note at size ${s} says size ${cp.size}.` })
    } catch (error) {
      problems.push({ code: 'CHECKPOINT_SIGNATURE_INVALID', detail: `Checkpoint ${s}: ${(error as Error).message.split('\n')[0]}` })
    }
  }
  return { ok: problems.length === 0, entries, blobsChecked, checkpoints: cpSizes.size, root: bytesToHex(root), problems }
}

async function allCheckpointSizes(ctx: AppContext): Promise<number[]> {
  const sizes: number[] = []
  let c = await ctx.store.checkpointCovering(0)
  while (c) {
    sizes.push(c.size)
    c = await ctx.store.checkpointCovering(c.size)
  }
  return sizes
}

/** Every entry below `size`, read a page at a time. */
async function* pagedEntries(ctx: AppContext, size: number) {
  for (let from = 0; from < size; from += 2048) yield* await ctx.store.getEntries(from, Math.min(size, from + 2048))
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

import { hostname } from 'node:os'
import { MintmarkError, type NoteSigner, decodeLogEntry, leafHash } from '@mintmark/core'
import type { AppendResult, EntryDraft } from '@mintmark/storage'
import {
  type BuildLeaf,
  type PostgresLogStore,
  type QueueDraft,
  type Sequencer,
  type SequencerEvent,
  createLogQueue,
  createPostgresLogStore,
  createSequencer,
} from '@mintmark/storage/postgres'
import { bytesToHex } from '@noble/hashes/utils.js'
import { encodeClaim } from './prepare-asset.js'

/**
 * A home's log on PostgreSQL (ADR 0012, 0015): the store every node reads, the queue a node
 * appends through, and this node's sequencer, which competes with the other nodes' for the one
 * role that appends and signs checkpoints. A node never signs a checkpoint itself: it waits for
 * the holder's (which may be its own sequencer).
 */
export type PostgresLog = {
  store: PostgresLogStore
  /** Queues the drafts, then resolves once the sequencer appended them (their index known). */
  appendEntries(drafts: readonly EntryDraft[]): Promise<AppendResult[]>
  /** Starts this node's sequencer if it is not running (idempotent). */
  startSequencer(): void
  sequencer: Sequencer
  close(): Promise<void>
}

export type OpenPostgresLogParameters = {
  url: string
  origin: string
  noteSigner: NoteSigner
  checkpoint: { everyEntries: number; everyMs: number }
  nodeId?: string | undefined
  /** How long a registration waits for the sequencer before LOG_SEQUENCING_TIMEOUT (default 30 s; it stays queued). */
  sequencingTimeoutMs?: number | undefined
  onSequencerEvent?: ((event: SequencerEvent) => void) | undefined
}

/**
 * The leaf of a queued registration. The payload is the first-claim entry (statement and
 * signature, no prior); with earlier claims on the asset the sequencer re-encodes it with their
 * pointers, as `register` does through `build` on SQLite: the same bytes either way.
 */
export const buildLeaf: BuildLeaf = (payload, prior) => {
  if (prior.length === 0) return { data: payload, leafHash: leafHash(payload) }
  const entry = decodeLogEntry(payload)
  return encodeClaim(
    { statement: entry.statement, signature: entry.signature as Parameters<typeof encodeClaim>[0]['signature'] },
    prior.map((p) => ({ index: p.index, leafHash: bytesToHex(p.leafHash) })),
  )
}

/** An entry draft as the queue takes it: its first-claim leaf as the payload. */
export function toQueueDraft(draft: EntryDraft): QueueDraft {
  const { build, expectIndex, ...rest } = draft
  if (expectIndex !== undefined)
    throw new MintmarkError('STORE_FEATURE_UNSUPPORTED', 'Appending at a reserved log index is not supported on PostgreSQL: the sequencer assigns indices.')
  return { ...rest, payload: build([]).data }
}

export async function openPostgresLog(p: OpenPostgresLogParameters): Promise<PostgresLog> {
  const store = await createPostgresLogStore({ connectionString: p.url, applicationName: 'mintmark' })
  const queue = createLogQueue(store)
  const sequencer = createSequencer({
    store,
    nodeId: p.nodeId ?? `${hostname()}:${process.pid}`,
    buildLeaf,
    checkpoint: { origin: p.origin, signers: [p.noteSigner], everyEntries: p.checkpoint.everyEntries, everyMs: p.checkpoint.everyMs },
    onEvent: p.onSequencerEvent,
  })
  let started = false
  const startSequencer = () => {
    if (started) return
    started = true
    sequencer.start()
  }
  return {
    store,
    sequencer,
    startSequencer,
    async appendEntries(drafts) {
      const queued = drafts.map(toQueueDraft)
      // Someone must sequence: this node competes for the role (another node may hold it).
      startSequencer()
      const done = await queue.append(queued, { timeoutMs: p.sequencingTimeoutMs ?? 30_000 })
      return done.map((d) => ({ index: d.index, leafHash: d.leafHash, created: d.created }))
    },
    async close() {
      await sequencer.stop().catch(() => {})
      await queue.close().catch(() => {})
      await store.close()
    },
  }
}

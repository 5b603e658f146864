import {
  type CompactRange,
  MintmarkError,
  type NoteSigner,
  compactRangeRoot,
  consistencyProofPlan,
  formatCheckpoint,
  signNote,
  verifyConsistencyProof,
} from '@mintmark/core'
import type pg from 'pg'
import type { AppendResult } from '../sqlite/sqlite-store.js'
import { type BuildFailure, WriteSet, appendLocked, readNodes } from './append.js'
import { storeCall } from './errors.js'
import { appendedChannel } from './log-queue.js'
import type { PostgresLogStore } from './postgres-log-store.js'
import { type BuildLeaf, fromQueueRow, queueErrorOf } from './queue-draft.js'
import { inTransaction } from './transaction.js'

/** How the sequencer signs checkpoints: with the log key, as a C2SP signed note. */
export type CheckpointPolicy = {
  origin: string
  signers: readonly NoteSigner[]
  /** Sign when the log grew by this many entries since the last checkpoint (default 1000)… */
  everyEntries?: number | undefined
  /** …or when it grew at all and this long passed since this sequencer last signed (default 1000 ms). */
  everyMs?: number | undefined
}

export type SequenceBatchParameters = {
  /** The fencing token this sequencer took the role with. */
  epoch: number
  /** Most queued rows to append (default 1000). */
  limit?: number | undefined
  buildLeaf: BuildLeaf
  checkpoint?: CheckpointPolicy | undefined
  /** When this sequencer last signed (ms since epoch; 0: never). */
  lastSignedAt?: number | undefined
  /** The size of the last checkpoint, if known (after a takeover it is read). */
  lastCheckpointSize?: number | undefined
  /** The log's compact range after this sequencer's previous batch (saves reading the peaks). */
  range?: CompactRange | undefined
  now?: (() => Date) | undefined
  /** Bound on the whole transaction, so a stuck append cannot outlive the role for long (default 30 s). */
  statementTimeoutMs?: number | undefined
}

export type SequenceBatchReturnType = {
  epoch: number
  /** Log size before and after. */
  from: number
  to: number
  appended: { seq: number; index: number; created: boolean }[]
  rejected: { seq: number; code: string }[]
  checkpoint: { size: number; rootHash: Uint8Array } | undefined
  /** The log's compact range after this batch (pass it to the next one). */
  range: CompactRange
  /** The size of the newest checkpoint, when this batch read or signed it (pass it to the next one). */
  lastCheckpointSize: number | undefined
}

/**
 * One sequencing step, in one transaction of four round trips: (1) lock `log_state`, check that
 * its epoch is still `epoch` (else SEQUENCER_FENCED: a newer sequencer took over, nothing is
 * written) and take the oldest queued rows; (2) read the entries already holding those
 * statements, the earlier claims on their assets and the tree's peaks; (3) write, in one
 * statement, the entries (with their queue seq), tree nodes and derived rows, record the rows
 * whose leaf could not be built in `queue_rejected`, delete them all from the queue and notify
 * waiters; (4) commit. When a checkpoint is due it is signed in the same transaction, only after
 * a consistency proof from the stored nodes shows the new root extends the last checkpoint (else
 * LOG_ROOT_MISMATCH, nothing written).
 */
export function sequenceBatch(store: PostgresLogStore, p: SequenceBatchParameters): Promise<SequenceBatchReturnType> {
  const timeout = Math.max(1, Math.floor(p.statementTimeoutMs ?? 30_000))
  const limit = Math.max(1, Math.floor(p.limit ?? 1000))
  // BEGIN, the timeout and the first read in one round trip (numbers only in the text: no
  // parameters in a multi-statement query). The queue rows come from this read's snapshot,
  // taken before any wait for the row lock. That is safe: with our epoch current, only we
  // append, and a previous holder's last append committed before our takeover (the takeover
  // waited for its row lock).
  const begin = `BEGIN; SET LOCAL statement_timeout = ${timeout};
    WITH st AS (SELECT size, epoch FROM log_state WHERE id FOR UPDATE)
    SELECT st.size, st.epoch, q.seq, q.statement_hash, q.draft, q.payload
    FROM st LEFT JOIN LATERAL (SELECT seq, statement_hash, draft, payload FROM queue ORDER BY seq LIMIT ${limit}) q ON true`
  return storeCall('sequence queued registrations', () =>
    inTransaction(store.pool, (client, opened) => sequenceIn(client, opened.at(-1) as pg.QueryResult<HeadRow>, p), begin),
  )
}

type HeadRow = { size: number; epoch: number; seq: number | null; statement_hash: Buffer; draft: string; payload: Buffer }

async function sequenceIn(client: pg.PoolClient, head: pg.QueryResult<HeadRow>, p: SequenceBatchParameters): Promise<SequenceBatchReturnType> {
  const now = p.now ?? (() => new Date())
  const first = head.rows[0]
  if (!first) throw new MintmarkError('STORE_CORRUPT', 'The PostgreSQL store has no log_state row.')
  const state = { size: first.size, epoch: first.epoch }
  if (state.epoch !== p.epoch)
    throw new MintmarkError('SEQUENCER_FENCED', `This sequencer's epoch ${p.epoch} is over: epoch ${state.epoch} took over.`, {
      metaMessages: ['Another node holds the sequencer role now; this one stops appending. Queued registrations are not lost.'],
    })
  const rows = head.rows.filter((r) => r.seq !== null) as { seq: number; statement_hash: Buffer; draft: string; payload: Buffer }[]
  const queueSeqs = rows.map((r) => r.seq)
  const drafts = rows.map((r) => fromQueueRow(r, p.buildLeaf))
  const writes = new WriteSet()
  const { results, range } = await appendLocked(client, state, drafts, writes, { epoch: p.epoch, skipFailedBuilds: true, queueSeqs, range: p.range })

  const appended: SequenceBatchReturnType['appended'] = []
  const rejected: { seq: number; statementHash: Buffer; code: string; message: string }[] = []
  results.forEach((r, k) => {
    const row = rows[k] as (typeof rows)[number]
    if ('error' in r) rejected.push({ seq: row.seq, statementHash: row.statement_hash, ...queueErrorOf((r as BuildFailure).error) })
    else appended.push({ seq: row.seq, index: (r as AppendResult).index, created: (r as AppendResult).created })
  })
  if (rejected.length)
    writes.add(
      'w_rejected',
      `INSERT INTO queue_rejected (seq, statement_hash, error) SELECT * FROM unnest(${writes.p(
        rejected.map((r) => r.seq),
        'bigint[]',
      )}, ${writes.p(
        rejected.map((r) => r.statementHash),
        'bytea[]',
      )}, ${writes.p(
        rejected.map((r) => JSON.stringify({ code: r.code, message: r.message })),
        'jsonb[]',
      )})`,
    )
  if (rows.length) {
    // The entries (with their queue_seq) are the receipts: the queue keeps only what is pending.
    writes.add('w_dequeue', `DELETE FROM queue WHERE seq = ANY(${writes.p(queueSeqs, 'bigint[]')})`)
    // Delivered at commit, so a waiter woken by it finds its entry.
    await writes.run(client, `SELECT pg_notify(${writes.p(appendedChannel, 'text')}, ${writes.p(String(range.size), 'text')})`)
  }

  let checkpoint: SequenceBatchReturnType['checkpoint']
  let lastCheckpointSize = p.lastCheckpointSize
  const policy = p.checkpoint
  const likelyDue =
    policy &&
    range.size > 0 &&
    (range.size - (p.lastCheckpointSize ?? 0) >= (policy.everyEntries ?? 1000) || now().getTime() - (p.lastSignedAt ?? 0) >= (policy.everyMs ?? 1000))
  if (policy && likelyDue) {
    const last = (await client.query<{ size: number; root_hash: Buffer }>('SELECT size, root_hash FROM checkpoints ORDER BY size DESC LIMIT 1')).rows[0]
    lastCheckpointSize = last?.size ?? 0
    if (range.size > lastCheckpointSize) {
      const rootHash = compactRangeRoot(range)
      if (last) {
        const plan = consistencyProofPlan(last.size, range.size)
        const proof = plan.assemble(await readNodes(client, plan.nodes))
        if (!verifyConsistencyProof({ oldSize: last.size, newSize: range.size, oldRoot: new Uint8Array(last.root_hash), newRoot: rootHash, proof }))
          throw new MintmarkError('LOG_ROOT_MISMATCH', `Refusing to sign: the tree at size ${range.size} is not consistent with the checkpoint at ${last.size}.`)
      }
      const note = await signNote(formatCheckpoint({ origin: policy.origin, size: range.size, rootHash, extensions: [] }), [...policy.signers])
      await client.query('INSERT INTO checkpoints (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4)', [range.size, rootHash, note, now().toISOString()])
      checkpoint = { size: range.size, rootHash }
      lastCheckpointSize = range.size
    }
  }
  return { epoch: p.epoch, from: state.size, to: range.size, appended, rejected: rejected.map(({ seq, code }) => ({ seq, code })), checkpoint, range, lastCheckpointSize }
}

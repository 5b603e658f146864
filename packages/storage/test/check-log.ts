// The audit the PostgreSQL tests run after every scenario: the stored log must be one
// consistent tree, every checkpoint signed and consistent with the one before it, and the queue
// must agree with the log. Returns counts and the list of problems found (empty when all holds).
import {
  type CompactRange,
  appendLeaves,
  compactRangeRoot,
  consistencyProofPlan,
  createEd25519NoteVerifier,
  emptyCompactRange,
  leafHash,
  openNote,
  parseCheckpoint,
  verifyConsistencyProof,
} from '@mintmark/core'
import type { PostgresLogStore } from '../src/postgres/postgres-log-store.js'

export type LogAudit = {
  entries: number
  nodes: number
  checkpoints: number
  epochs: number[]
  pending: number
  rejected: number
  problems: string[]
}

const eq = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

export async function auditPostgresLog(store: PostgresLogStore, options: { verifierKey?: string; origin?: string } = {}): Promise<LogAudit> {
  const problems: string[] = []
  const q = <R>(sql: string) => store.pool.query(sql).then((r) => r.rows as R[])
  const state = await store.sequencerState()
  const entries = await q<{ idx: number; leaf_hash: Buffer; data: Buffer; statement_hash: Buffer; epoch: number }>(
    'SELECT idx, leaf_hash, data, statement_hash, epoch FROM entries ORDER BY idx',
  )
  if (entries.length !== state.size) problems.push(`log_state.size ${state.size} but ${entries.length} entries`)
  const leaves: Uint8Array[] = []
  let lastEpoch = -1
  const epochs = new Set<number>()
  entries.forEach((e, i) => {
    if (e.idx !== i) problems.push(`entry at position ${i} has index ${e.idx}`)
    if (!eq(e.leaf_hash, leafHash(e.data))) problems.push(`entry ${e.idx}: leaf hash is not the hash of its data`)
    // A sequencer that lost its role never appends after the one that took over.
    if (e.epoch < lastEpoch) problems.push(`entry ${e.idx} was appended under epoch ${e.epoch} after epoch ${lastEpoch}`)
    lastEpoch = Math.max(lastEpoch, e.epoch)
    epochs.add(e.epoch)
    leaves.push(new Uint8Array(e.leaf_hash))
  })

  // Every stored node equals the recomputation, and every node the recomputation completes is stored.
  const { nodes: expected, range } = appendLeaves(emptyCompactRange, leaves)
  const stored = await q<{ level: number; idx: number; hash: Buffer }>('SELECT level, idx, hash FROM nodes')
  const byId = new Map(stored.map((n) => [`${n.level}/${n.idx}`, n.hash]))
  if (stored.length !== expected.length) problems.push(`${stored.length} nodes stored, ${expected.length} expected`)
  for (const n of expected) {
    const h = byId.get(`${n.level}/${n.index}`)
    if (!h || !eq(h, n.hash)) problems.push(`node (${n.level}, ${n.index}) ${h ? 'differs' : 'is missing'}`)
  }
  if (entries.length && !eq(await store.rootAt(entries.length), compactRangeRoot(range))) problems.push('stored root differs from the recomputed root')

  // Checkpoints: each root is the recomputed root at its size, the note verifies with the log key,
  // and each one is consistent with the previous (proof from stored nodes).
  const checkpoints = await q<{ size: number; root_hash: Buffer; note: string }>('SELECT size, root_hash, note FROM checkpoints ORDER BY size')
  const verifier = options.verifierKey ? createEd25519NoteVerifier(options.verifierKey) : undefined
  let prefix: CompactRange = emptyCompactRange
  let prev: { size: number; root: Uint8Array } | undefined
  for (const c of checkpoints) {
    if (c.size > leaves.length) {
      problems.push(`checkpoint at ${c.size} is beyond the log (${leaves.length})`)
      continue
    }
    prefix = appendLeaves(prefix, leaves.slice(prefix.size, c.size)).range
    const root = new Uint8Array(c.root_hash)
    if (!eq(root, compactRangeRoot(prefix))) problems.push(`checkpoint at ${c.size}: root differs from the recomputed root`)
    if (verifier) {
      try {
        const body = parseCheckpoint(openNote(c.note, [verifier]).text)
        if (body.size !== c.size || !eq(body.rootHash, root) || (options.origin && body.origin !== options.origin))
          problems.push(`checkpoint at ${c.size}: the signed note says ${body.origin} ${body.size}`)
      } catch (error) {
        problems.push(`checkpoint at ${c.size}: note does not verify (${(error as Error).message.split('\n')[0]})`)
      }
    }
    if (prev) {
      const plan = consistencyProofPlan(prev.size, c.size)
      const proof = plan.assemble(await store.getNodes(plan.nodes))
      if (!verifyConsistencyProof({ oldSize: prev.size, newSize: c.size, oldRoot: prev.root, newRoot: root, proof }))
        problems.push(`checkpoint at ${c.size} is not consistent with the one at ${prev.size}`)
    }
    prev = { size: c.size, root }
  }

  // The queue holds only pending registrations; each entry appended from the queue names its
  // own queue row, and no two entries name the same one.
  const pending = Number((await q<{ n: number }>('SELECT count(*) AS n FROM queue'))[0]?.n ?? 0)
  const rejected = Number((await q<{ n: number }>('SELECT count(*) AS n FROM queue_rejected'))[0]?.n ?? 0)
  const dupSeqs = await q<{ queue_seq: number }>('SELECT queue_seq FROM entries WHERE queue_seq IS NOT NULL GROUP BY queue_seq HAVING count(*) > 1')
  for (const r of dupSeqs) problems.push(`queue row ${r.queue_seq} was appended more than once`)
  const stillQueued = await q<{ seq: number }>('SELECT q.seq FROM queue q JOIN entries e ON e.queue_seq = q.seq')
  for (const r of stillQueued) problems.push(`queue row ${r.seq} is appended but still queued`)
  return { entries: entries.length, nodes: stored.length, checkpoints: checkpoints.length, epochs: [...epochs].sort((a, b) => a - b), pending, rejected, problems }
}

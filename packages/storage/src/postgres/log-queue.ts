import { MintmarkError } from '@mintmark/core'
import type pg from 'pg'
import { toStoreError } from './errors.js'
import type { PostgresLogStore } from './postgres-log-store.js'
import { type QueueDraft, assertQueueDraft, queueErrorToMintmark, toDraftJson } from './queue-draft.js'

/**
 * A registration made durable in the queue (acknowledge it to the client from here on).
 * `firstQueued` is false when the statement was queued before (a retry, or another node): the
 * registration then resolves with `created: false`, like the same statement appended twice.
 */
export type QueuedRef = { seq: number; statementHash: Uint8Array; firstQueued: boolean }
/** A queued registration once the sequencer appended it; `created: false` when the statement was already in the log. */
export type SequencedRef = { seq: number; index: number; leafHash: Uint8Array; created: boolean }

export type WaitOptions = {
  /** Give up after this long with LOG_SEQUENCING_TIMEOUT (default 30 s); the registrations stay queued. */
  timeoutMs?: number | undefined
  signal?: AbortSignal | undefined
}

export type LogQueue = {
  /**
   * Makes registrations durable: one transaction inserts them into the queue (deduplicated by
   * statement hash: the same statement again gets the row it already has). Resolves only after
   * COMMIT, so a resolved registration survives a crash of this process or the server, and will
   * be appended by whichever node sequences. Calls that overlap share one transaction (group
   * commit). Throws INPUT_INVALID (nothing written) or STORE_IO (not acknowledged; retry).
   */
  enqueue(drafts: readonly QueueDraft[]): Promise<QueuedRef[]>
  /**
   * Resolves with the log index of each queued registration once it is appended, in the order
   * given. A registration the sequencer refused rejects with its code; no sequencer progress
   * within the timeout rejects with LOG_SEQUENCING_TIMEOUT.
   */
  waitFor(refs: readonly QueuedRef[], options?: WaitOptions): Promise<SequencedRef[]>
  /** enqueue, then waitFor. */
  append(drafts: readonly QueueDraft[], options?: WaitOptions): Promise<SequencedRef[]>
  close(): Promise<void>
}

export type LogQueueOptions = {
  /** Most registrations per enqueue transaction (default 1000). */
  maxBatch?: number | undefined
  /** How often waiters re-read the queue when no notification arrives (default 100 ms). */
  pollMs?: number | undefined
}

/** The channel the sequencer notifies after each append (payload: the new log size). */
export const appendedChannel = 'mintmark_log_appended'
/** The channel an enqueue notifies at its commit, so an idle sequencer starts at once rather than at its next poll. */
export const queuedChannel = 'mintmark_log_queued'

/**
 * The API node's side of "many writers, one sequencer": durable enqueue with group commit, and
 * waiting for indices (LISTEN on {@link appendedChannel}, with polling as a fallback, one read
 * for all waiters of this process).
 *
 * @example
 * ```ts
 * const queue = createLogQueue(store)
 * const [ref] = await queue.enqueue([draft])   // durable: acknowledge "accepted"
 * const [done] = await queue.waitFor([ref])    // { index, leafHash, created }
 * ```
 */
export function createLogQueue(store: PostgresLogStore, options: LogQueueOptions = {}): LogQueue {
  const maxBatch = options.maxBatch ?? 1000
  const pollMs = options.pollMs ?? 100
  let closed = false

  // --- group commit ---------------------------------------------------------------------------
  type Pending = { drafts: readonly QueueDraft[]; resolve(refs: QueuedRef[]): void; reject(e: unknown): void }
  let pending: Pending[] = []
  let flushing = false

  async function flush(): Promise<void> {
    flushing = true
    while (pending.length) {
      const group: Pending[] = []
      let n = 0
      while (pending.length && (n === 0 || n + (pending[0] as Pending).drafts.length <= maxBatch)) {
        const p = pending.shift() as Pending
        group.push(p)
        n += p.drafts.length
      }
      try {
        const refs = await insertQueued(store.pool, group.flatMap((p) => p.drafts))
        let k = 0
        for (const p of group) p.resolve(p.drafts.map(() => refs[k++] as QueuedRef))
      } catch (error) {
        for (const p of group) p.reject(error)
      }
    }
    flushing = false
  }

  function enqueue(drafts: readonly QueueDraft[]): Promise<QueuedRef[]> {
    if (closed) return Promise.reject(new MintmarkError('STORE_IO', 'The log queue is closed.'))
    try {
      drafts.forEach(assertQueueDraft)
    } catch (error) {
      return Promise.reject(error)
    }
    if (!drafts.length) return Promise.resolve([])
    return new Promise((resolve, reject) => {
      pending.push({ drafts, resolve, reject })
      if (!flushing) void flush()
    })
  }

  // --- waiting for indices --------------------------------------------------------------------
  // Waiters are keyed by statement hash: a registration is done when its statement is in the log
  // (its entry's queue_seq says whether this registration created it), or when its queue row was
  // rejected.
  type Waiter = { ref: QueuedRef; resolve(r: SequencedRef): void; reject(e: unknown): void }
  const waiters = new Map<string, Waiter[]>()
  let polling = false
  let wake: (() => void) | undefined
  // Set by a notification; a notification that arrives while a read is under way may describe a
  // commit that read's snapshot missed, so the loop reads again at once instead of sleeping.
  let notified = false
  let listener: pg.Client | undefined
  let listening: Promise<void> | undefined

  function ensureListener(): void {
    if (listening || closed) return
    const client = store.createClient()
    client.on('error', () => dropListener(client))
    client.on('end', () => dropListener(client))
    client.on('notification', () => {
      notified = true
      wake?.()
    })
    listening = client
      .connect()
      .then(() => client.query(`LISTEN ${appendedChannel}`))
      .then(() => {
        listener = client
      })
      .catch(() => dropListener(client))
  }
  function dropListener(client: pg.Client): void {
    // Waiters fall back to polling; the next poll round tries to listen again.
    if (listener === client) listener = undefined
    listening = undefined
    client.end().catch(() => {})
  }

  function settle(key: string, each: (w: Waiter) => void): void {
    const ws = waiters.get(key)
    if (!ws) return
    waiters.delete(key)
    for (const w of ws) each(w)
  }

  async function pollOnce(): Promise<void> {
    const keys = [...waiters.keys()]
    const hashes = keys.map((k) => Buffer.from(k, 'hex'))
    const seqs = [...waiters.values()].flatMap((ws) => ws.map((w) => w.ref.seq))
    const [done, rejected] = await Promise.all([
      store.pool.query<{ h: string; idx: number; leaf_hash: Buffer; queue_seq: number | null }>(
        "SELECT encode(statement_hash, 'hex') AS h, idx, leaf_hash, queue_seq FROM entries WHERE statement_hash = ANY($1::bytea[])",
        [hashes],
      ),
      store.pool.query<{ seq: number; h: string; error: { code: string; message: string } }>(
        "SELECT seq, encode(statement_hash, 'hex') AS h, error FROM queue_rejected WHERE seq = ANY($1::bigint[])",
        [seqs],
      ),
    ])
    for (const r of done.rows)
      settle(r.h, (w) =>
        w.resolve({ seq: w.ref.seq, index: r.idx, leafHash: new Uint8Array(r.leaf_hash), created: w.ref.firstQueued && r.queue_seq === w.ref.seq }),
      )
    for (const r of rejected.rows) {
      const ws = waiters.get(r.h)?.filter((w) => w.ref.seq === r.seq) ?? []
      for (const w of ws) {
        forgetWaiter(w)
        w.reject(queueErrorToMintmark(r.error, r.seq))
      }
    }
  }

  function forgetWaiter(w: Waiter): void {
    const key = hexOf(w.ref.statementHash)
    const list = waiters.get(key)?.filter((x) => x !== w)
    if (list?.length) waiters.set(key, list)
    else waiters.delete(key)
  }

  async function pollLoop(): Promise<void> {
    polling = true
    try {
      while (waiters.size && !closed) {
        ensureListener()
        notified = false
        try {
          await pollOnce()
        } catch {
          // The database is unreachable for now: waiters keep waiting until their own timeout.
        }
        if (!waiters.size) break
        if (notified) continue
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, pollMs)
          function done(): void {
            clearTimeout(t)
            wake = undefined
            resolve()
          }
          wake = done
        })
      }
    } finally {
      polling = false
    }
  }

  function waitFor(refs: readonly QueuedRef[], o: WaitOptions = {}): Promise<SequencedRef[]> {
    if (!refs.length) return Promise.resolve([])
    const timeoutMs = o.timeoutMs ?? 30_000
    const mine: Waiter[] = []
    const all = Promise.all(
      refs.map(
        (ref) =>
          new Promise<SequencedRef>((resolve, reject) => {
            const w: Waiter = { ref, resolve, reject }
            mine.push(w)
            const key = hexOf(ref.statementHash)
            waiters.set(key, [...(waiters.get(key) ?? []), w])
          }),
      ),
    )
    const forget = (): void => mine.forEach(forgetWaiter)
    if (!polling) void pollLoop()
    else wake?.()
    return new Promise<SequencedRef[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        forget()
        reject(
          new MintmarkError('LOG_SEQUENCING_TIMEOUT', `${refs.length} queued registration(s) were not appended to the log within ${timeoutMs} ms.`, {
            metaMessages: ['They are stored durably and will be appended when a sequencer runs; wait again, or retry (the same statement is never appended twice).'],
            details: `first queue seq ${refs[0]?.seq}`,
          }),
        )
      }, timeoutMs)
      const onAbort = (): void => {
        clearTimeout(timer)
        forget()
        reject(o.signal?.reason)
      }
      if (o.signal?.aborted) return onAbort()
      o.signal?.addEventListener('abort', onAbort, { once: true })
      all.then(
        (r) => {
          clearTimeout(timer)
          o.signal?.removeEventListener('abort', onAbort)
          resolve(r)
        },
        (e) => {
          clearTimeout(timer)
          o.signal?.removeEventListener('abort', onAbort)
          forget()
          reject(e)
        },
      )
    })
  }

  return {
    enqueue,
    waitFor,
    async append(drafts, o) {
      return waitFor(await enqueue(drafts), o)
    },
    async close() {
      closed = true
      wake?.()
      for (const ws of waiters.values()) for (const w of ws) w.reject(new MintmarkError('STORE_IO', 'The log queue was closed while waiting.'))
      waiters.clear()
      await listening?.catch(() => {})
      if (listener) await listener.end().catch(() => {})
    },
  }
}

const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * One statement, so one round trip and its own transaction (autocommit: the result arrives
 * after COMMIT): insert the rows, skipping statements already queued, and read the seq of every
 * statement (inserted ones from RETURNING, earlier ones from the queue) and which statements
 * are already in the log. Rows get their seq in the order given, so the sequencer appends them
 * in that order. A statement queued by another node while this statement ran is invisible to
 * its snapshot: the statement is simply run again (it is idempotent), as after a deadlock
 * between two nodes queueing the same statements in different orders.
 */
async function insertQueued(pool: pg.Pool, drafts: readonly QueueDraft[]): Promise<QueuedRef[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const values: unknown[] = []
      const p = (v: unknown, type: string): string => `$${values.push(v)}::${type}`
      const tuples = drafts.map((d) => `(${p(d.statementHash, 'bytea')}, ${p(JSON.stringify(toDraftJson(d)), 'text')}, ${p(d.payload, 'bytea')})`)
      const hashes = p(
        drafts.map((d) => d.statementHash),
        'bytea[]',
      )
      // The notification (delivered at commit) wakes the sequencer; its row ('n') is ignored.
      const r = await pool.query<{ k: 'i' | 'q' | 'e' | 'n'; seq: number | null; h: string | null }>(
        `WITH ins AS (
           INSERT INTO queue (statement_hash, draft, payload) VALUES ${tuples.join(', ')}
           ON CONFLICT (statement_hash) DO NOTHING RETURNING seq, statement_hash)
         SELECT 'i' AS k, seq, encode(statement_hash, 'hex') AS h FROM ins
         UNION ALL SELECT 'q', seq, encode(statement_hash, 'hex') FROM queue WHERE statement_hash = ANY(${hashes})
         UNION ALL SELECT 'e', NULL, encode(statement_hash, 'hex') FROM entries WHERE statement_hash = ANY(${hashes})
         UNION ALL SELECT 'n', NULL, NULL FROM (SELECT pg_notify(${p(queuedChannel, 'text')}, '')) AS n`,
        values,
      )
      const seqOf = new Map<string, number>()
      const fresh = new Set<number>()
      const logged = new Set<string>()
      // A row this statement inserted wins over an older one seen in the snapshot (one being
      // deleted by the sequencer as this statement ran).
      for (const row of r.rows)
        if (row.k === 'i') {
          seqOf.set(row.h as string, row.seq as number)
          fresh.add(row.seq as number)
        }
      for (const row of r.rows) {
        if (row.k === 'e') logged.add(row.h as string)
        else if (row.k === 'q' && !seqOf.has(row.h as string)) seqOf.set(row.h as string, row.seq as number)
      }
      const refs: QueuedRef[] = []
      for (const d of drafts) {
        const h = hexOf(d.statementHash)
        const seq = seqOf.get(h)
        if (seq === undefined) throw Object.assign(new Error('A statement was queued concurrently; queue again.'), { code: 'RETRY' })
        // The first draft of a statement this statement inserted is the new one; any other is a repeat.
        refs.push({ seq, statementHash: d.statementHash, firstQueued: fresh.delete(seq) && !logged.has(h) })
      }
      return refs
    } catch (error) {
      const code = (error as { code?: string }).code
      if (attempt < 5 && (code === '40P01' || code === '40001' || code === 'RETRY')) continue
      throw toStoreError(error, 'queue registrations')
    }
  }
}

import { type CompactRange, MintmarkError } from '@mintmark/core'
import type pg from 'pg'
import { toStoreError } from './errors.js'
import { queuedChannel } from './log-queue.js'
import { lockNamespace, sequencerLockKey } from './migrate.js'
import type { PostgresLogStore } from './postgres-log-store.js'
import type { BuildLeaf } from './queue-draft.js'
import { type CheckpointPolicy, type SequenceBatchReturnType, sequenceBatch } from './sequence-batch.js'

export type SequencerRole = 'stopped' | 'candidate' | 'holder'
export type SequencerLossReason = 'heartbeat-failed' | 'lease-expired' | 'fenced'

export type SequencerEvent =
  | { type: 'sequencer:role:acquired'; epoch: number }
  | { type: 'sequencer:role:lost'; epoch: number; reason: SequencerLossReason }
  | { type: 'sequencer:role:released'; epoch: number }
  /** `ms`: how long the append transaction took, commit included. */
  | { type: 'sequencer:entries:appended'; batch: SequenceBatchReturnType; ms: number }
  | { type: 'sequencer:checkpoint:signed'; size: number; rootHash: Uint8Array }
  | { type: 'sequencer:error'; error: MintmarkError }

export type SequencerOptions = {
  store: PostgresLogStore
  /** This node's name, recorded as the holder on takeover (`log_state.holder`). */
  nodeId: string
  buildLeaf: BuildLeaf
  /** Sign checkpoints (with the log key) as the log grows; without it none are signed. */
  checkpoint?: CheckpointPolicy | undefined
  /** Most queued rows per append transaction (default 1000). */
  batchSize?: number | undefined
  /** The holder checks its lock session this often (default 1000 ms)… */
  heartbeatMs?: number | undefined
  /** …and gives the role up when a check fails or takes longer than this (default 2000 ms). */
  heartbeatTimeoutMs?: number | undefined
  /** How often a candidate tries to take the role (default 500 ms). */
  retryMs?: number | undefined
  /** How often the holder looks for queued rows when idle (default 20 ms); an enqueue's notification wakes it sooner. */
  idlePollMs?: number | undefined
  /**
   * The server ends the lock session after this long without a query (`idle_session_timeout`),
   * releasing the role of a holder that is paused, hung or cut off (default 10,000 ms; it must be
   * well above `heartbeatMs`).
   */
  sessionTimeoutMs?: number | undefined
  /** Bound on one append transaction (default 30,000 ms). */
  statementTimeoutMs?: number | undefined
  onEvent?: ((event: SequencerEvent) => void) | undefined
  now?: (() => Date) | undefined
}

export type Sequencer = {
  /** Starts competing for the role; the holder appends queued registrations until stopped or it loses the role. */
  start(): void
  /** Stops appending, releases the role if held, and closes the lock session. */
  stop(): Promise<void>
  /** Called after each committed append transaction of this node. Returns an unsubscribe function. */
  onAppended(listener: (batch: SequenceBatchReturnType) => void): () => void
  status(): { role: SequencerRole; epoch: number | undefined }
}

/**
 * One sequencer at a time over a PostgreSQL log, with fencing. Every API node may run one; they
 * compete for a session-level advisory lock on a dedicated connection. The winner increments
 * `log_state.epoch` (the fencing token) and appends queued registrations with it: each append
 * transaction locks `log_state` and fails with SEQUENCER_FENCED if the epoch moved, so an old
 * holder that was paused or cut off can never append after a newer one took over.
 *
 * Loss is detected within a bound: the holder runs `SELECT epoch` on its lock session every
 * `heartbeatMs`; a failure, a timeout (`heartbeatTimeoutMs`) or another epoch ends its role, and
 * before each batch it checks that its last good heartbeat is under `heartbeatMs +
 * heartbeatTimeoutMs` old. So a node stops appending at most that long after its lock session
 * broke, and any append it attempts after a takeover is fenced. A holder that stops talking
 * altogether (SIGSTOP, a hung event loop, a partition) has its session ended by the server after
 * `sessionTimeoutMs` (idle_session_timeout, TCP keepalives), which frees the role for another node.
 *
 * @example
 * ```ts
 * const sequencer = createSequencer({ store, nodeId: 'api-1', buildLeaf, checkpoint: { origin, signers: [logSigner] } })
 * sequencer.onAppended((b) => console.log(`appended ${b.from}..${b.to}`))
 * sequencer.start()
 * // … on shutdown:
 * await sequencer.stop()
 * ```
 */
export function createSequencer(o: SequencerOptions): Sequencer {
  const heartbeatMs = o.heartbeatMs ?? 1000
  const heartbeatTimeoutMs = o.heartbeatTimeoutMs ?? 2000
  const retryMs = o.retryMs ?? 500
  const idlePollMs = o.idlePollMs ?? 20
  const sessionTimeoutMs = o.sessionTimeoutMs ?? 10_000
  const statementTimeoutMs = o.statementTimeoutMs ?? 30_000
  const everyMs = o.checkpoint?.everyMs ?? 1000
  const listeners = new Set<(batch: SequenceBatchReturnType) => void>()
  let role: SequencerRole = 'stopped'
  let epoch: number | undefined
  let stopping = false
  let running: Promise<void> | undefined
  let wakeSleep: (() => void) | undefined

  const emit = (e: SequencerEvent): void => {
    try {
      o.onEvent?.(e)
    } catch {
      // A listener's failure must not stop the sequencer.
    }
  }
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done(): void {
        clearTimeout(t)
        if (wakeSleep === done) wakeSleep = undefined
        resolve()
      }
      wakeSleep = done
    })

  async function connectLockSession(): Promise<pg.Client> {
    const client = o.store.createClient({
      application_name: `mintmark-sequencer:${o.nodeId}`.slice(0, 63),
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
      connectionTimeoutMillis: Math.max(heartbeatTimeoutMs, 1000),
    })
    // Errors on an idle session surface through the next query (heartbeat); do not crash.
    client.on('error', () => {})
    try {
      await client.connect()
      // Server side: end this session (and so free the lock) when this process goes quiet, and
      // notice a vanished client even while a statement waits on a lock.
      const keepaliveIdle = String(Math.max(1, Math.round(sessionTimeoutMs / 3000)))
      await withTimeout(
        client.query(
          `SELECT set_config('idle_session_timeout', $1, false), set_config('statement_timeout', $2, false),
                  set_config('client_connection_check_interval', '1000', false), set_config('tcp_keepalives_idle', $3, false),
                  set_config('tcp_keepalives_interval', '1', false), set_config('tcp_keepalives_count', '3', false)`,
          [String(sessionTimeoutMs), String(statementTimeoutMs + heartbeatTimeoutMs), keepaliveIdle],
        ),
        heartbeatTimeoutMs,
        'configure the lock session',
      )
      return client
    } catch (error) {
      destroy(client)
      throw error
    }
  }

  /** Holds the role until it is lost or the sequencer stops; returns why it ended (undefined: stopped). */
  async function hold(lock: pg.Client, myEpoch: number): Promise<SequencerLossReason | undefined> {
    let lastGoodBeat = Date.now()
    let lost: SequencerLossReason | undefined
    let beatTimer: NodeJS.Timeout | undefined
    const beat = async (): Promise<void> => {
      try {
        const r = await withTimeout(lock.query<{ epoch: number }>('SELECT epoch FROM log_state WHERE id'), heartbeatTimeoutMs, 'heartbeat')
        if (Number(r.rows[0]?.epoch) !== myEpoch) lost ??= 'fenced'
        else lastGoodBeat = Date.now()
      } catch {
        lost ??= 'heartbeat-failed'
      }
      if (lost) wakeSleep?.()
      else if (!stopping) beatTimer = setTimeout(() => void beat(), heartbeatMs)
    }
    beatTimer = setTimeout(() => void beat(), heartbeatMs)

    // Woken by enqueues (any node's, delivered on the lock session at their commit) instead of
    // waiting out the idle poll; the poll stays as the fallback.
    let queuedNote = false
    const onNotification = (): void => {
      queuedNote = true
      wakeSleep?.()
    }
    lock.on('notification', onNotification)
    await withTimeout(lock.query(`LISTEN ${queuedChannel}`), heartbeatTimeoutMs, 'listen for queued registrations').catch(() => {})

    let lastSignedAt = 0
    let lastCheckpointSize: number | undefined
    let range: CompactRange | undefined
    // After a takeover nothing is known: the first step runs, and signs a checkpoint if the log
    // is ahead of the last one.
    let mustStep = true
    let checkpointPending = false
    try {
      while (!stopping && !lost) {
        if (Date.now() - lastGoodBeat > heartbeatMs + heartbeatTimeoutMs) {
          lost = 'lease-expired'
          break
        }
        let work = mustStep || (checkpointPending && Date.now() - lastSignedAt >= everyMs)
        queuedNote = false
        if (!work) {
          try {
            work = (await o.store.pool.query<{ w: boolean }>('SELECT EXISTS (SELECT 1 FROM queue) AS w')).rows[0]?.w ?? false
          } catch (error) {
            emit({ type: 'sequencer:error', error: toStoreError(error, 'look for queued registrations') })
          }
        }
        if (!work) {
          // A notification during the check may be for a commit its snapshot missed: look again.
          if (!queuedNote) await sleep(idlePollMs)
          continue
        }
        try {
          const started = performance.now()
          const batch = await sequenceBatch(o.store, {
            epoch: myEpoch,
            limit: o.batchSize,
            buildLeaf: o.buildLeaf,
            checkpoint: o.checkpoint,
            lastSignedAt,
            lastCheckpointSize,
            range,
            now: o.now,
            statementTimeoutMs,
          })
          mustStep = false
          range = batch.range
          lastCheckpointSize = batch.lastCheckpointSize
          if (batch.checkpoint) {
            lastSignedAt = Date.now()
            checkpointPending = false
            emit({ type: 'sequencer:checkpoint:signed', size: batch.checkpoint.size, rootHash: batch.checkpoint.rootHash })
          } else if (batch.to > batch.from) checkpointPending = o.checkpoint !== undefined
          if (batch.appended.length || batch.rejected.length) {
            emit({ type: 'sequencer:entries:appended', batch, ms: performance.now() - started })
            for (const l of listeners) {
              try {
                l(batch)
              } catch {
                // as above
              }
            }
          }
        } catch (error) {
          if (error instanceof MintmarkError && error.code === 'SEQUENCER_FENCED') {
            lost = 'fenced'
            break
          }
          emit({ type: 'sequencer:error', error: toStoreError(error, 'sequence queued registrations') })
          // Whether that transaction committed is unknown: read the state afresh next time.
          range = undefined
          lastCheckpointSize = undefined
          await sleep(Math.min(1000, heartbeatMs))
        }
      }
    } finally {
      clearTimeout(beatTimer)
      lock.off('notification', onNotification)
    }
    return lost
  }

  async function run(): Promise<void> {
    let lock: pg.Client | undefined
    let heldEpoch: number | undefined
    while (!stopping) {
      try {
        lock ??= await connectLockSession()
        const got = await withTimeout(lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [lockNamespace, sequencerLockKey]), heartbeatTimeoutMs, 'take the sequencer lock')
        if (!got.rows[0]?.ok) {
          await sleep(retryMs)
          continue
        }
        // The takeover: waits for an old holder's append in flight (row lock), then fences it.
        const taken = await withTimeout(
          lock.query<{ epoch: number }>('UPDATE log_state SET epoch = epoch + 1, holder = $1, taken_at = now() WHERE id RETURNING epoch', [o.nodeId]),
          statementTimeoutMs + heartbeatTimeoutMs,
          'take over the log',
        )
        const myEpoch = Number(taken.rows[0]?.epoch)
        role = 'holder'
        epoch = myEpoch
        heldEpoch = myEpoch
        emit({ type: 'sequencer:role:acquired', epoch: myEpoch })
        const lost = await hold(lock, myEpoch)
        role = stopping ? 'stopped' : 'candidate'
        if (lost) {
          heldEpoch = undefined
          emit({ type: 'sequencer:role:lost', epoch: myEpoch, reason: lost })
          // Closing the session frees the lock if it is somehow still held.
          destroy(lock)
          lock = undefined
          await sleep(retryMs)
        }
      } catch (error) {
        role = stopping ? 'stopped' : 'candidate'
        heldEpoch = undefined
        emit({ type: 'sequencer:error', error: toStoreError(error, 'compete for the sequencer role') })
        if (lock) destroy(lock)
        lock = undefined
        await sleep(retryMs)
      }
    }
    if (lock) {
      // Ending the session releases the advisory lock.
      await withTimeout(lock.end(), heartbeatTimeoutMs, 'close the lock session').catch(() => destroy(lock as pg.Client))
      if (heldEpoch !== undefined) emit({ type: 'sequencer:role:released', epoch: heldEpoch })
    }
    role = 'stopped'
  }

  return {
    start() {
      if (running) return
      stopping = false
      role = 'candidate'
      running = run()
    },
    async stop() {
      stopping = true
      wakeSleep?.()
      await running
      running = undefined
    },
    onAppended(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    status: () => ({ role, epoch: role === 'holder' ? epoch : undefined }),
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new MintmarkError('STORE_IO', `PostgreSQL did not answer in time (${what}, ${ms} ms).`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (e) => {
        clearTimeout(t)
        reject(e)
      },
    )
  })
}

/** Drops a session at once (socket closed): the server ends the backend, releasing its locks. */
function destroy(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream
  client.end().catch(() => {})
  stream?.destroy()
}

import type { AppContext } from '@mintmark/app'
import { MintmarkError } from '@mintmark/core'
import type pino from 'pino'
import type { createMetrics } from './http/metrics.js'

export type WorkerOptions = {
  /** How often the anchorer looks for a checkpoint the chains have not got yet (default 30 s). */
  anchorEveryMs?: number | undefined
  /** How often the chain indexer follows the chains (default 5 s). */
  indexEveryMs?: number | undefined
}

type WorkerState = {
  runs: number
  failures: number
  lastError: { code: string; message: string; at: string } | null
  lastSuccessAt: string | null
}

export type Workers = {
  status(): { anchorer: WorkerState & { anchoredSize: number }; indexer: WorkerState }
  /** Runs the anchorer now (after any run under way); resolves when it is done. */
  anchorNow(): Promise<void>
  /** Runs the chain indexer now (after any run under way). */
  indexNow(): Promise<void>
  /** Stops the timers and waits for runs under way. */
  stop(): Promise<void>
}

/**
 * The service's background work besides checkpointing: the anchorer (the latest checkpoint onto
 * every chain, when the chains hold less) and the chain indexer (licence and anchor events, reorg
 * aware). Each is one serial loop: a tick while a run is under way is skipped, a failure is logged
 * and counted, and the next tick tries again after a backoff that doubles up to 10 ticks.
 */
export function startWorkers(p: { app: AppContext; logger: pino.Logger; metrics: ReturnType<typeof createMetrics>; options?: WorkerOptions | undefined }): Workers {
  const { app, logger } = p
  const chain = () => import('@mintmark/app/chain')
  let anchoredSize = 0
  // Read once at start; the anchorer's first run waits for it.
  const initial = anchoredOnEveryChain(app).then(
    (size) => {
      anchoredSize = Math.max(anchoredSize, size)
    },
    (error: unknown) => logger.error({ err: error }, 'reading the anchors failed'),
  )

  const anchorer = loop('anchorer', p.options?.anchorEveryMs ?? 30_000, async () => {
    await initial
    if (!holdsSequencer(app)) return
    const size = await app.store.size()
    if (size === 0 || size <= anchoredSize) return
    const { anchor } = await chain()
    const result = await anchor(app)
    anchoredSize = Math.min(...result.chains.map((c) => (c.status === 'pending' ? 0 : c.treeSize)))
    logger.info({ treeSize: result.checkpoint.size, chains: result.chains.map((c) => ({ chain: c.chain, status: c.status, block: c.blockNumber })) }, 'anchored')
  })
  const indexer = loop('indexer', p.options?.indexEveryMs ?? 5_000, async () => {
    if (!holdsSequencer(app)) return
    const { syncChainIndex } = await chain()
    const result = await syncChainIndex(app)
    const failed = result.chains.find((c) => !c.ok)
    for (const c of result.chains) if (c.ok && (c.added > 0 || c.reorg)) logger.info({ chain: c.chain, cursor: c.cursor, added: c.added, reorg: c.reorg }, 'chain indexed')
    if (failed && !failed.ok) throw new MintmarkError(failed.error.code as never, failed.error.message)
  })

  p.metrics.gauge('mintmark_anchor_tree_size', 'Tree size anchored on every chain.', () => anchoredSize)
  p.metrics.gauge('mintmark_worker_failures', 'Failed runs of the background workers (anchorer + indexer).', () => anchorer.state.failures + indexer.state.failures)

  function loop(name: string, everyMs: number, run: () => Promise<void>) {
    const state: WorkerState = { runs: 0, failures: 0, lastError: null, lastSuccessAt: null }
    let running: Promise<void> | undefined
    let skip = 0
    let backoff = 0
    let stopped = false
    const once = (): Promise<void> => {
      running ??= (async () => {
        state.runs++
        try {
          await run()
          state.lastSuccessAt = new Date().toISOString()
          backoff = 0
        } catch (error) {
          state.failures++
          const e = error instanceof MintmarkError ? error : new MintmarkError('INTERNAL', 'The worker failed.', { cause: error })
          state.lastError = { code: e.code, message: e.message, at: new Date().toISOString() }
          backoff = Math.min(10, Math.max(1, backoff * 2))
          skip = backoff
          logger.warn({ worker: name, code: e.code, err: e.message }, `${name} run failed; retrying in ${backoff} tick(s)`)
        } finally {
          running = undefined
        }
      })()
      return running
    }
    const timer = setInterval(() => {
      if (stopped || running) return
      if (skip > 0) {
        skip--
        return
      }
      void once()
    }, Math.max(50, everyMs))
    timer.unref()
    return {
      state,
      now: async () => {
        if (running) await running
        await once()
      },
      stop: async () => {
        stopped = true
        clearInterval(timer)
        if (running) await running
      },
    }
  }

  return {
    status: () => ({ anchorer: { ...anchorer.state, anchoredSize }, indexer: { ...indexer.state } }),
    anchorNow: anchorer.now,
    indexNow: indexer.now,
    async stop() {
      await Promise.all([anchorer.stop(), indexer.stop()])
    },
  }
}

/**
 * PostgreSQL: the anchorer and the indexer run on the sequencer holder only, so N nodes do not
 * send the same anchor N times or race on the chain index; on SQLite there is one process.
 */
function holdsSequencer(app: AppContext): boolean {
  return !app.sequencer || app.sequencer.status().role === 'holder'
}

/** The largest tree size included on every chain the store knows anchors for (0 when none). */
async function anchoredOnEveryChain(app: AppContext): Promise<number> {
  const best = new Map<number, number>()
  for (const a of await app.store.listAnchors()) if (a.status !== 'pending') best.set(a.chainId, Math.max(best.get(a.chainId) ?? 0, a.treeSize))
  return best.size ? Math.min(...best.values()) : 0
}

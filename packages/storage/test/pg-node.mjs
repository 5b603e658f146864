// One "API node" for the multi-process PostgreSQL tests and the benchmark: a process that
// accepts registrations over IPC (from its parent), queues them durably, and competes for the
// sequencer role. It imports the built package (packages/storage/dist): run `npx tsc -b
// packages/storage` first (the tests do).
//
// Config (env MINTMARK_NODE, JSON): { url, nodeId, origin, logSeedHex, heartbeatMs, heartbeatTimeoutMs,
//   retryMs, sessionTimeoutMs, idleInTxMs, batchSize, checkpointEveryMs, checkpointEveryEntries }
// Parent → node: { type: 'register', id, items: [{ n, asset, creator }] }   (ack after COMMIT)
//                { type: 'generate', id, from, count, concurrency, group }  (benchmark: make and register
//                  `count` registrations itself, `concurrency` groups of `group` in flight; each done when sequenced)
// Node → parent: { type: 'ready' } | { type: 'queued', id, seqs } | { type: 'indexed', id, indices }
//                { type: 'failed', id, code, stage } | { type: 'generated', id, count, ms, requestLatencyMs }
//                { type: 'stats', id, sequencing: { batches, entries, ms } }   (answer to { type: 'stats', id })
//                { type: 'role', event: 'acquired' | 'lost' | 'released', epoch, reason? }
import { createEd25519NoteSigner } from '@mintmark/core'
import { createLogQueue, createPostgresLogStore, createSequencer } from '../dist/postgres/index.js'
import { buildLeaf, registrationOf } from './multi-writer-fixture.mjs'

const config = JSON.parse(process.env.MINTMARK_NODE ?? '{}')

async function main() {
  const store = await createPostgresLogStore({
    connectionString: config.url,
    applicationName: `mintmark-node:${config.nodeId}`,
    pool: { max: 8, ...(config.idleInTxMs ? { idle_in_transaction_session_timeout: config.idleInTxMs } : {}) },
  })
  const queue = createLogQueue(store, { pollMs: 50 })
  const send = (m) => process.connected && process.send(m)
  // Time spent in append transactions by this node's sequencer (the serial part of the pipeline).
  const sequencing = { batches: 0, entries: 0, ms: 0 }
  const sequencer = createSequencer({
    store,
    nodeId: config.nodeId,
    buildLeaf,
    checkpoint: config.logSeedHex
      ? {
          origin: config.origin,
          signers: [createEd25519NoteSigner(config.origin, Buffer.from(config.logSeedHex, 'hex'))],
          everyEntries: config.checkpointEveryEntries ?? 1000,
          everyMs: config.checkpointEveryMs ?? 500,
        }
      : undefined,
    batchSize: config.batchSize ?? 1000,
    heartbeatMs: config.heartbeatMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    retryMs: config.retryMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    onEvent: (e) => {
      if (e.type === 'sequencer:role:acquired') send({ type: 'role', event: 'acquired', epoch: e.epoch })
      else if (e.type === 'sequencer:role:lost') send({ type: 'role', event: 'lost', epoch: e.epoch, reason: e.reason })
      else if (e.type === 'sequencer:role:released') send({ type: 'role', event: 'released', epoch: e.epoch })
      else if (e.type === 'sequencer:entries:appended') {
        sequencing.batches++
        sequencing.entries += e.batch.appended.length
        sequencing.ms += e.ms
      }
    },
  })
  sequencer.start()

  async function register(m) {
    let refs
    try {
      refs = await queue.enqueue(m.items.map(registrationOf))
    } catch (error) {
      return send({ type: 'failed', id: m.id, stage: 'queue', code: error.code ?? 'INTERNAL' })
    }
    send({ type: 'queued', id: m.id, seqs: refs.map((r) => r.seq) })
    try {
      const done = await queue.waitFor(refs, { timeoutMs: 60_000 })
      send({ type: 'indexed', id: m.id, indices: done.map((d) => d.index) })
    } catch (error) {
      send({ type: 'failed', id: m.id, stage: 'wait', code: error.code ?? 'INTERNAL' })
    }
  }

  async function generate(m) {
    const t0 = performance.now()
    const latencies = []
    let next = m.from
    const end = m.from + m.count
    await Promise.all(
      Array.from({ length: m.concurrency }, async () => {
        while (next < end) {
          const items = []
          while (items.length < m.group && next < end) {
            const n = next++
            items.push({ n, asset: n, creator: `did:key:bench${n % 7}` })
          }
          const started = performance.now()
          await queue.append(items.map(registrationOf), { timeoutMs: 120_000 })
          latencies.push(performance.now() - started)
        }
      }),
    )
    latencies.sort((a, b) => a - b)
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? 0
    send({ type: 'generated', id: m.id, count: m.count, ms: performance.now() - t0, requestLatencyMs: { p50: pct(50), p99: pct(99) } })
  }

  process.on('message', (m) => {
    if (m.type === 'register') void register(m)
    else if (m.type === 'stats') send({ type: 'stats', id: m.id, sequencing })
    else if (m.type === 'generate') void generate(m).catch((error) => send({ type: 'failed', id: m.id, stage: 'generate', code: error.code ?? String(error) }))
  })
  const shutdown = async () => {
    await sequencer.stop()
    await queue.close()
    await store.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown())
  process.on('disconnect', () => void shutdown())
  send({ type: 'ready' })
}

if (process.env.MINTMARK_NODE) {
  main().catch((error) => {
    console.error(error)
    process.exit(3)
  })
}

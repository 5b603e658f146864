// One log, many writers, on a real PostgreSQL: 4 node processes (packages/storage/test/pg-node.mjs,
// over the built package) accept registrations and compete for the sequencer role while the
// test kills the current holder with SIGKILL 10 times, restarting it each time. Afterwards the
// log must be one consistent tree, every acknowledged registration in it exactly once, every
// checkpoint signed and consistent with the previous one. A second test pauses the holder
// (SIGSTOP) instead: the role moves on, and the old holder, resumed, appends nothing.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { createEd25519NoteSigner, encodeEd25519VerifierKey } from '@mintmark/core'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { auditPostgresLog } from '../../test/check-log.js'
import { Node, itemOf, nodeConfig, sleep, statementHex } from '../../test/pg-nodes.js'
import { createPostgresLogStore, type PostgresLogStore } from './postgres-log-store.js'

const run = postgresOrSkipNotice('PostgreSQL multi-writer (kill -9)')
const storageDir = path.resolve(import.meta.dirname, '../..')
const origin = 'mintmark.test/log/multi-writer'
const logSeed = new Uint8Array(32).fill(9)
const verifierKey = encodeEd25519VerifierKey(origin, ed25519.getPublicKey(logSeed))
createEd25519NoteSigner(origin, logSeed) // the nodes sign with this key (checks the name is valid)

let server: TestPostgres
beforeAll(async () => {
  if (!run) return
  // The node processes run the built package.
  execFileSync(process.execPath, [path.resolve(storageDir, '../../node_modules/typescript/bin/tsc'), '-b', storageDir], { stdio: 'pipe' })
  server = await startTestPostgres()
}, 240_000)
afterAll(async () => {
  await server?.stop()
})

describe.skipIf(!run)('one log, many writers (PostgreSQL, 4 processes)', () => {
  it('20,000 registrations across 4 processes, SIGKILL of the sequencer holder 10 times: one consistent tree, every acknowledged registration exactly once', async () => {
    const db = await server.createDatabase()
    const store = await createPostgresLogStore({ connectionString: db.url })
    const total = 20_000
    const kills = 10
    const config = nodeConfig(db.url, origin, logSeed, 1000)
    const nodes = ['n0', 'n1', 'n2', 'n3'].map((id) => new Node(id, config))
    const t0 = Date.now()
    try {
      await Promise.all(nodes.map((n) => n.start()))

      // Clients: 16 in flight, 25 registrations per request, round-robin over live nodes. An
      // unacknowledged request whose node died is sent again (to another node); acknowledged ones
      // are durable and need nothing more.
      const toSend = Array.from({ length: total }, (_, n) => n)
      const acknowledged = new Set<number>()
      let resent = 0
      let requestId = 0
      let rr = 0
      let inFlight = 0
      const clients = Array.from({ length: 16 }, async () => {
        for (;;) {
          const batch = toSend.splice(0, 25)
          if (!batch.length) {
            if (inFlight === 0) return
            await sleep(20)
            continue
          }
          inFlight++
          let node: Node | undefined
          for (let k = 0; k < nodes.length && !node; k++) {
            const candidate = nodes[rr++ % nodes.length] as Node
            if (candidate.alive) node = candidate
          }
          const outcome = node ? await node.register(++requestId, batch.map(itemOf), () => batch.forEach((n) => acknowledged.add(n))) : 'lost'
          if (outcome === 'lost') {
            resent += batch.length
            toSend.push(...batch)
            await sleep(50)
          }
          inFlight--
        }
      })

      // The killer: each time the log has grown by another ~1/12 of the run, SIGKILL whichever
      // node holds the sequencer role, restart it, and wait for some node to take over.
      const takeovers: number[] = []
      const killer = (async () => {
        for (let k = 1; k <= kills; k++) {
          while ((await store.size()) < (k * total) / (kills + 2)) await sleep(25)
          const state = await store.sequencerState()
          const victim = nodes.find((n) => n.id === state.holder && n.alive)
          if (!victim) {
            k--
            await sleep(25)
            continue
          }
          const killedAt = Date.now()
          victim.kill('SIGKILL')
          await new Promise((r) => victim.child.once('exit', r))
          // Restart it while another node takes over (measured from the kill to the new epoch).
          const restarted = victim.start()
          while ((await store.sequencerState()).epoch <= state.epoch) await sleep(10)
          takeovers.push(Date.now() - killedAt)
          await restarted
        }
      })()
      await Promise.all([...clients, killer])
      expect(acknowledged.size).toBe(total)

      // Drain: every queued registration appended, and a checkpoint at the final size.
      const deadline = Date.now() + 60_000
      while (Date.now() < deadline) {
        const pending = Number((await store.pool.query('SELECT count(*) AS n FROM queue')).rows[0].n)
        if (pending === 0 && (await store.latestCheckpoint())?.size === (await store.size())) break
        await sleep(100)
      }
      await Promise.all(nodes.map((n) => n.stop()))

      const audit = await auditPostgresLog(store, { verifierKey, origin })
      expect(audit.problems).toEqual([])
      expect(audit).toMatchObject({ entries: total, pending: 0, rejected: 0 })
      // Every acknowledged registration is in the log exactly once (statement_hash is unique, and
      // the log holds exactly `total` entries: each of the `total` statements once).
      const stored = await store.pool.query<{ h: string; idx: number; data: Buffer }>("SELECT encode(statement_hash, 'hex') AS h, idx, data FROM entries")
      const byHash = new Map(stored.rows.map((r) => [r.h, r]))
      const missing = [...acknowledged].filter((n) => !byHash.has(statementHex(n)))
      expect(missing).toEqual([])
      expect(byHash.size).toBe(total)
      // Later claims point at the earlier claims on their asset, whichever node sequenced them.
      const byAsset = new Map<number, { idx: number; prior: string }[]>()
      for (let n = 0; n < total; n++) {
        const r = byHash.get(statementHex(n)) as { idx: number; data: Buffer }
        const list = byAsset.get(itemOf(n).asset) ?? []
        list.push({ idx: r.idx, prior: /prior \[([0-9,]*)\]$/.exec(r.data.toString())?.[1] ?? '?' })
        byAsset.set(itemOf(n).asset, list)
      }
      for (const list of byAsset.values()) {
        list.sort((a, b) => a.idx - b.idx)
        list.forEach((e, k) => expect(e.prior).toBe(list.slice(0, k).map((x) => x.idx).join(',')))
      }
      expect(takeovers).toHaveLength(kills)
      expect(audit.epochs.length).toBeGreaterThanOrEqual(kills + 1)
      const seconds = (Date.now() - t0) / 1000
      console.log(
        JSON.stringify({
          test: 'multi-writer kill -9',
          processes: 4,
          registrations: total,
          acknowledged: acknowledged.size,
          resentAfterUnacknowledgedLoss: resent,
          kills,
          takeoverMs: takeovers,
          epochs: audit.epochs.length,
          entries: audit.entries,
          nodes: audit.nodes,
          checkpoints: audit.checkpoints,
          seconds,
        }),
      )
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
      await store.close()
      await db.drop()
    }
  }, 300_000)

  it('a paused sequencer (SIGSTOP) loses the role to another node, and appends nothing after it resumes', async () => {
    const db = await server.createDatabase()
    const store = await createPostgresLogStore({ connectionString: db.url })
    const config = {
      url: db.url,
      origin,
      logSeedHex: Buffer.from(logSeed).toString('hex'),
      heartbeatMs: 200,
      heartbeatTimeoutMs: 500,
      retryMs: 100,
      // The server ends the paused node's lock session after 1.5 s without a heartbeat.
      sessionTimeoutMs: 1500,
      idleInTxMs: 1500,
      checkpointEveryMs: 200,
    }
    const nodes = [new Node('p0', config), new Node('p1', config)]
    let id = 0
    const registerAll = async (node: Node, from: number, count: number) => {
      for (let n = from; n < from + count; n += 50) {
        const r = await node.register(++id, Array.from({ length: 50 }, (_, k) => itemOf(n + k)), () => {})
        expect(r).toBe('indexed')
      }
    }
    try {
      await Promise.all(nodes.map((n) => n.start()))
      while (!(await store.sequencerState()).holder) await sleep(20)
      const before = await store.sequencerState()
      const paused = nodes.find((n) => n.id === before.holder) as Node
      const other = nodes.find((n) => n !== paused) as Node
      await registerAll(other, 0, 500)
      paused.kill('SIGSTOP')
      const pausedAt = Date.now()
      // Registrations keep flowing through the other node while the holder is paused.
      const during = registerAll(other, 500, 1000)
      while ((await store.sequencerState()).epoch === before.epoch) await sleep(20)
      const takeoverMs = Date.now() - pausedAt
      await during
      paused.kill('SIGCONT')
      // The resumed node notices it lost the role and appends nothing more under its old epoch.
      const noticeDeadline = Date.now() + 5000
      while (!paused.roleEvents.some((e) => e.event === 'lost' && e.epoch === before.epoch) && Date.now() < noticeDeadline) await sleep(20)
      expect(paused.roleEvents.find((e) => e.event === 'lost')).toMatchObject({ epoch: before.epoch })
      await registerAll(other, 1500, 500)
      await registerAll(paused, 2000, 500)
      await Promise.all(nodes.map((n) => n.stop()))
      const audit = await auditPostgresLog(store, { verifierKey, origin })
      expect(audit.problems).toEqual([])
      expect(audit.entries).toBe(2500)
      const lastOld = Number((await store.pool.query('SELECT max(idx) AS m FROM entries WHERE epoch = $1', [before.epoch])).rows[0].m)
      const firstNew = Number((await store.pool.query('SELECT min(idx) AS m FROM entries WHERE epoch > $1', [before.epoch])).rows[0].m)
      expect(lastOld).toBeLessThan(firstNew)
      console.log(JSON.stringify({ test: 'paused sequencer', takeoverMs, lostReason: paused.roleEvents.find((e) => e.event === 'lost')?.reason, epochs: audit.epochs }))
      expect(takeoverMs).toBeGreaterThanOrEqual(1000)
    } finally {
      for (const n of nodes) if (n.alive) n.kill('SIGCONT')
      await Promise.all(nodes.map((n) => n.stop()))
      await store.close()
      await db.drop()
    }
  }, 120_000)
})

// RELIABILITY B5: the database itself crashes under ingest. Two node processes
// (test/pg-node.mjs) take registrations and compete for the sequencer role while the test
// SIGKILLs PostgreSQL again and again: mostly one client backend (the postmaster then ends every
// backend and replays its WAL), every fifth time the postmaster itself (a new one is started on
// the same data directory: crash recovery). Between kills the log must keep growing. Afterwards:
// every acknowledged registration is in the log exactly once, the log is one consistent tree,
// every checkpoint is signed and consistent with the previous one, and the queue is drained.
// MINTMARK_PG_CRASH_KILLS sets the number of kills: 50 by default, for CI's time budget (each
// crash recovery takes 1-3 s here); RELIABILITY asks 100 per PR and 1,000 in soak runs.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { createEd25519NoteSigner, encodeEd25519VerifierKey } from '@mintmark/core'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { auditPostgresLog } from '../../test/check-log.js'
import { Node, itemOf, nodeConfig, sleep, statementHex } from '../../test/pg-nodes.js'
import { createPostgresLogStore } from './postgres-log-store.js'

const run = postgresOrSkipNotice('PostgreSQL crash recovery (kill -9 of the postmaster and backends)')
const storageDir = path.resolve(import.meta.dirname, '../..')
const origin = 'mintmark.test/log/crash'
const logSeed = new Uint8Array(32).fill(5)
const verifierKey = encodeEd25519VerifierKey(origin, ed25519.getPublicKey(logSeed))
createEd25519NoteSigner(origin, logSeed)
const kills = Number(process.env.MINTMARK_PG_CRASH_KILLS ?? 50)
if (run && process.env.MINTMARK_TEST_PG)
  console.warn('\n[notice] PostgreSQL crash recovery: SKIPPED, MINTMARK_TEST_PG names an external server, which this suite never kills (unset it to use a throwaway one)\n')

let server: TestPostgres
beforeAll(async () => {
  if (!run) return
  execFileSync(process.execPath, [path.resolve(storageDir, '../../node_modules/typescript/bin/tsc'), '-b', storageDir], { stdio: 'pipe' })
  server = await startTestPostgres()
}, 240_000)
afterAll(async () => {
  await server?.stop()
})

// An external server (MINTMARK_TEST_PG) is never killed: this suite needs the throwaway one.
describe.skipIf(!run || process.env.MINTMARK_TEST_PG)('PostgreSQL crashes under ingest (RELIABILITY B5)', () => {
  it(`${kills} SIGKILLs of backends and the postmaster during 2-process ingest: nothing acknowledged lost, one consistent tree`, async () => {
    const crash = server.crash
    if (!crash) throw new Error('the throwaway server has no crash controls')
    const db = await server.createDatabase()
    const config = nodeConfig(db.url, origin, logSeed, 500)
    const nodes = ['c0', 'c1'].map((id) => new Node(id, config))
    const t0 = Date.now()
    // The test's own view of the log, through a pool that outlives each crash.
    const store = await createPostgresLogStore({ connectionString: db.url, applicationName: 'crash-test-observer' })
    const size = async (): Promise<number> => {
      for (;;) {
        try {
          return await store.size()
        } catch {
          await sleep(50) // the server is restarting
        }
      }
    }
    const acknowledged = new Set<number>()
    let next = 0
    let stop = false
    let resent = 0
    const retry: number[] = []
    try {
      await Promise.all(nodes.map((n) => n.start()))
      // Clients: 8 in flight, 20 registrations per request, alternating nodes. A request that was
      // not acknowledged (the enqueue failed: the database was down) is sent again.
      let requestId = 0
      const clients = Array.from({ length: 8 }, async (_, c) => {
        while (!stop) {
          const batch = retry.splice(0, 20)
          while (batch.length < 20) batch.push(next++)
          const node = nodes[(requestId + c) % nodes.length] as Node
          const outcome = await node.register(++requestId, batch.map(itemOf), () => batch.forEach((n) => acknowledged.add(n)))
          if (outcome === 'lost') {
            resent += batch.length
            retry.push(...batch)
            await sleep(50)
          }
        }
      })

      const kinds = { backend: 0, postmaster: 0 }
      const recoveryMs: number[] = []
      const killer = (async () => {
        for (let k = 1; k <= kills; k++) {
          // Some progress between kills: the log grew by at least 40 entries since the last one.
          const target = (await size()) + 40
          const progressDeadline = Date.now() + 60_000
          while ((await size()) < target) {
            if (Date.now() > progressDeadline) throw new Error(`no progress after kill ${k - 1}`)
            await sleep(20)
          }
          const started = Date.now()
          if (k % 5 === 0) {
            await crash.killPostmaster()
            kinds.postmaster++
          } else if ((await crash.killBackend('mintmark-node:')) !== undefined) kinds.backend++
          else {
            k--
            continue
          }
          recoveryMs.push(Date.now() - started)
        }
      })()
      await killer
      stop = true
      await Promise.all(clients)
      // Everything not acknowledged by now is not owed; what was acknowledged must all be sequenced.
      const deadline = Date.now() + 120_000
      for (;;) {
        const pending = Number((await store.pool.query('SELECT count(*) AS n FROM queue')).rows[0].n)
        if (pending === 0 && (await store.latestCheckpoint())?.size === (await store.size())) break
        if (Date.now() > deadline) throw new Error(`the queue did not drain: ${pending} left`)
        await sleep(100)
      }
      await Promise.all(nodes.map((n) => n.stop()))

      const audit = await auditPostgresLog(store, { verifierKey, origin })
      expect(audit.problems).toEqual([])
      expect(audit).toMatchObject({ pending: 0, rejected: 0 })
      const stored = await store.pool.query<{ h: string }>("SELECT encode(statement_hash, 'hex') AS h FROM entries")
      const inLog = new Set(stored.rows.map((r) => r.h))
      expect(inLog.size).toBe(audit.entries) // each statement once
      const missing = [...acknowledged].filter((n) => !inLog.has(statementHex(n)))
      expect(missing).toEqual([])
      expect(acknowledged.size).toBeGreaterThanOrEqual(kills * 40)
      expect(kinds.backend + kinds.postmaster).toBe(kills)
      recoveryMs.sort((a, b) => a - b)
      console.log(
        JSON.stringify({
          test: 'postgres crash recovery (B5)',
          kills: kinds,
          acknowledged: acknowledged.size,
          entries: audit.entries,
          resentAfterUnacknowledgedFailure: resent,
          checkpoints: audit.checkpoints,
          epochs: audit.epochs.length,
          recoveryMs: { p50: recoveryMs[Math.floor(recoveryMs.length / 2)], max: recoveryMs.at(-1) },
          seconds: (Date.now() - t0) / 1000,
        }),
      )
    } finally {
      stop = true
      await Promise.all(nodes.map((n) => n.stop()))
      await store.close()
      await db.drop()
    }
  }, 900_000)
})

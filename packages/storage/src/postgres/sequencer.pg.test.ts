import { createEd25519NoteSigner, encodeEd25519VerifierKey, leafHash, MintmarkError } from '@mintmark/core'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type TestPostgres, postgresOrSkipNotice, startTestPostgres } from '../../../../test/helpers/postgres.js'
import { auditPostgresLog } from '../../test/check-log.js'
import type { EntryRef } from '../sqlite/sqlite-store.js'
import { createLogQueue, type LogQueue } from './log-queue.js'
import { createPostgresLogStore, type PostgresLogStore } from './postgres-log-store.js'
import type { QueueDraft } from './queue-draft.js'
import { sequenceBatch } from './sequence-batch.js'
import { createSequencer, type Sequencer, type SequencerEvent, type SequencerOptions } from './sequencer.js'

const run = postgresOrSkipNotice('PostgreSQL queue and sequencer')
let server: TestPostgres
beforeAll(async () => {
  if (run) server = await startTestPostgres()
})
afterAll(async () => {
  await server?.stop()
})

const enc = new TextEncoder()
const dec = new TextDecoder()
const origin = 'mintmark.test/log/sequencer'
const logSeed = new Uint8Array(32).fill(7)
const signer = createEd25519NoteSigner(origin, logSeed)
const verifierKey = encodeEd25519VerifierKey(origin, ed25519.getPublicKey(logSeed))

/** The leaf: the payload, then the indices of the earlier claims on the asset. */
const buildLeaf = (payload: Uint8Array, prior: EntryRef[]) => {
  const data = enc.encode(`${dec.decode(payload)} prior [${prior.map((p) => p.index).join(',')}]`)
  return { data, leafHash: leafHash(data) }
}
const sh = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, k) => (k < 4 ? (n >>> (8 * k)) & 0xff : 0x42))
const reg = (n: number, extra: Partial<QueueDraft> = {}): QueueDraft => ({
  statementHash: sh(n),
  kind: 'asset',
  assetCid: `bafkreiseq${n}`,
  creator: `did:key:c${n % 5}`,
  createdAt: '2026-01-01T00:00:00Z',
  asset: { cid: `bafkreiseq${n}`, sha256: 'ab'.repeat(32), size: n, mediaType: 'image/png' },
  payload: enc.encode(`registration ${n}`),
  ...extra,
})

const opened: { close(): Promise<void> }[] = []
const sequencers: Sequencer[] = []
afterEach(async () => {
  for (const s of sequencers.splice(0)) await s.stop()
  for (const o of opened.splice(0).reverse()) await o.close()
})
async function freshDb(): Promise<{ url: string }> {
  const db = await server.createDatabase()
  opened.push({ close: () => db.drop() })
  return db
}
async function openStore(url: string): Promise<PostgresLogStore> {
  const s = await createPostgresLogStore({ connectionString: url })
  opened.push(s)
  return s
}
function openQueue(store: PostgresLogStore): LogQueue {
  const q = createLogQueue(store, { pollMs: 50 })
  opened.push(q)
  return q
}
function sequencer(store: PostgresLogStore, nodeId: string, extra: Partial<SequencerOptions> = {}): { s: Sequencer; events: SequencerEvent[] } {
  const events: SequencerEvent[] = []
  const s = createSequencer({
    store,
    nodeId,
    buildLeaf,
    checkpoint: { origin, signers: [signer], everyEntries: 100, everyMs: 200 },
    heartbeatMs: 200,
    heartbeatTimeoutMs: 500,
    retryMs: 100,
    idlePollMs: 10,
    onEvent: (e) => events.push(e),
    ...extra,
  })
  sequencers.push(s)
  return { s, events }
}
const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.skipIf(!run)('queue and sequencer on PostgreSQL', () => {
  it('queues durably and once per statement, whichever node queues it', async () => {
    const { url } = await freshDb()
    const [a, b] = [await openStore(url), await openStore(url)]
    const [qa, qb] = [openQueue(a), openQueue(b)]
    const [ra, rb] = await Promise.all([qa.enqueue([reg(1), reg(2)]), qb.enqueue([reg(2), reg(3), reg(3)])])
    expect(ra[1]?.seq).toBe(rb[0]?.seq)
    expect(rb[1]?.seq).toBe(rb[2]?.seq)
    expect(Number((await a.pool.query('SELECT count(*) AS n FROM queue')).rows[0].n)).toBe(3)
    // Acknowledged means committed: a brand-new connection sees the rows.
    const c = await openStore(url)
    expect(Number((await c.pool.query('SELECT count(*) AS n FROM queue')).rows[0].n)).toBe(3)
    expect(await c.size()).toBe(0)
  })

  it('appends what three nodes queue, each once, with prior claims, signed and mutually consistent checkpoints', async () => {
    const { url } = await freshDb()
    const stores = [await openStore(url), await openStore(url), await openStore(url)]
    const queues = stores.map(openQueue)
    const { s, events } = sequencer(stores[0] as PostgresLogStore, 'node-0', { batchSize: 64 })
    s.start()
    const appended: number[] = []
    s.onAppended((b) => appended.push(...b.appended.filter((x) => x.created).map((x) => x.index)))
    // 600 registrations from three nodes, in groups; every 10th is a second creator's claim on
    // an earlier asset, and every 50th repeats an earlier statement.
    const results = await Promise.all(
      queues.map(async (q, node) => {
        const out = []
        for (let g = 0; g < 10; g++) {
          const group = Array.from({ length: 20 }, (_, k) => {
            const n = node * 1000 + g * 20 + k
            if (k === 9) return reg(n, { creator: 'did:key:second', assetCid: `bafkreiseq${n - 5}`, asset: { cid: `bafkreiseq${n - 5}`, sha256: 'cd'.repeat(32), size: 1, mediaType: 'image/png' } })
            return reg(n)
          })
          if (g > 0) group.push(reg(node * 1000 + (g - 1) * 20))
          out.push(...(await q.append(group, { timeoutMs: 20_000 })))
        }
        return out
      }),
    )
    const all = results.flat()
    expect(all.filter((r) => r.created)).toHaveLength(600)
    expect(new Set(all.map((r) => r.index)).size).toBe(600)
    // A second creator's claim on an earlier asset was built with the first claim's index.
    const entry = await stores[1]?.entriesForAsset('bafkreiseq4')
    expect(entry?.map((e) => dec.decode(e.data))).toEqual([`registration 4 prior []`, `registration 9 prior [${entry?.[0]?.index}]`])
    expect(await stores[2]?.getAsset('bafkreiseq4')).toMatchObject({ sha256: 'ab'.repeat(32), firstEntry: entry?.[0]?.index })
    await until('a checkpoint at the final size', async () => (await stores[0]?.latestCheckpoint())?.size === 600)
    const audit = await auditPostgresLog(stores[0] as PostgresLogStore, { verifierKey, origin })
    expect(audit).toMatchObject({ entries: 600, pending: 0, rejected: 0, problems: [] })
    expect(audit.checkpoints).toBeGreaterThanOrEqual(2)
    expect(appended.sort((x, y) => x - y)).toEqual(Array.from({ length: 600 }, (_, i) => i))
    expect(events.filter((e) => e.type === 'sequencer:role:acquired')).toHaveLength(1)
  })

  it('lets exactly one of three candidates hold the role; stopping it hands the role over with a higher epoch', async () => {
    const { url } = await freshDb()
    const nodes = await Promise.all(['a', 'b', 'c'].map(async (id) => ({ id, store: await openStore(url) })))
    const seqs = nodes.map((n) => ({ ...n, ...sequencer(n.store, n.id) }))
    for (const x of seqs) x.s.start()
    await until('a holder', () => seqs.some((x) => x.s.status().role === 'holder'))
    await new Promise((r) => setTimeout(r, 500))
    const holders = seqs.filter((x) => x.s.status().role === 'holder')
    expect(holders).toHaveLength(1)
    const first = holders[0] as (typeof seqs)[number]
    const firstEpoch = first.s.status().epoch as number
    expect(await first.store.sequencerState()).toMatchObject({ epoch: firstEpoch, holder: first.id })
    await first.s.stop()
    expect(first.events.at(-1)).toEqual({ type: 'sequencer:role:released', epoch: firstEpoch })
    await until('a new holder', () => seqs.some((x) => x !== first && x.s.status().role === 'holder'))
    const next = seqs.find((x) => x !== first && x.s.status().role === 'holder') as (typeof seqs)[number]
    expect(next.s.status().epoch).toBe(firstEpoch + 1)
    // The new holder appends.
    const q = openQueue(next.store)
    expect((await q.append([reg(1)], { timeoutMs: 5000 }))[0]).toMatchObject({ index: 0, created: true })
  })

  it('fences a stale epoch: SEQUENCER_FENCED, and nothing is written', async () => {
    const { url } = await freshDb()
    const store = await openStore(url)
    const q = openQueue(store)
    await q.enqueue([reg(1)])
    const taken = await store.pool.query("UPDATE log_state SET epoch = epoch + 1, holder = 'old' RETURNING epoch")
    const old = Number(taken.rows[0].epoch)
    await store.pool.query("UPDATE log_state SET epoch = epoch + 1, holder = 'new'")
    const error = await sequenceBatch(store, { epoch: old, buildLeaf }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MintmarkError)
    expect((error as MintmarkError).code).toBe('SEQUENCER_FENCED')
    expect(await store.size()).toBe(0)
    expect(Number((await store.pool.query('SELECT count(*) AS n FROM queue')).rows[0].n)).toBe(1)
    // The current epoch appends it.
    const ok = await sequenceBatch(store, { epoch: old + 1, buildLeaf })
    expect(ok.appended).toEqual([{ seq: expect.any(Number), index: 0, created: true }])
  })

  it('stops a holder whose lock session dies within heartbeat + timeout; another node takes over and appends each registration once', async () => {
    const { url } = await freshDb()
    const a = await openStore(url)
    const b = await openStore(url)
    const sa = sequencer(a, 'node-a')
    sa.s.start()
    await until('node-a holds the role', () => sa.s.status().role === 'holder')
    const q = openQueue(b)
    await q.append(Array.from({ length: 50 }, (_, i) => reg(i)), { timeoutMs: 5000 })
    const sb = sequencer(b, 'node-b')
    sb.s.start()
    // Kill node-a's lock session from the server side (what a crash, a partition or the
    // server's idle_session_timeout do).
    const killed = Date.now()
    const term = await b.pool.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'mintmark-sequencer:node-a'")
    expect(term.rows).toEqual([{ ok: true }])
    await until('node-a to notice', () => sa.events.some((e) => e.type === 'sequencer:role:lost'), 5000)
    const noticedMs = Date.now() - killed
    expect(noticedMs).toBeLessThanOrEqual(200 + 500 + 300)
    await until('node-b to take over', () => sb.s.status().role === 'holder', 5000)
    const sequenced = await q.append(Array.from({ length: 100 }, (_, i) => reg(i + 25)), { timeoutMs: 5000 })
    expect(sequenced.filter((r) => r.created)).toHaveLength(75)
    const audit = await auditPostgresLog(a, { verifierKey, origin })
    expect(audit).toMatchObject({ entries: 125, pending: 0, problems: [] })
    expect(audit.epochs).toEqual([1, 2])
    console.log(`lock session killed → holder stopped appending after ${noticedMs} ms (bound: heartbeat 200 + timeout 500 ms)`)
  })

  it('gives the role up within heartbeat + timeout when its lock session hangs; nobody takes over until that session is gone', async (ctx) => {
    // Freezes a server process: only on the throwaway server this test started.
    if (server.kind !== 'throwaway') ctx.skip()
    const { url } = await freshDb()
    const a = await openStore(url)
    const b = await openStore(url)
    const sa = sequencer(a, 'hung-a')
    sa.s.start()
    await until('hung-a holds the role', () => sa.s.status().role === 'holder')
    const epoch = sa.s.status().epoch as number
    const pid = Number((await b.pool.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'mintmark-sequencer:hung-a'")).rows[0].pid)
    process.kill(pid, 'SIGSTOP')
    try {
      const hungAt = Date.now()
      await until('hung-a to give up', () => sa.events.some((e) => e.type === 'sequencer:role:lost'), 5000)
      const noticedMs = Date.now() - hungAt
      // Either check may fire first: the failed heartbeat, or (under load) the lease check before a batch.
      expect(sa.events.find((e) => e.type === 'sequencer:role:lost')).toEqual({ type: 'sequencer:role:lost', epoch, reason: expect.stringMatching(/^(heartbeat-failed|lease-expired)$/) })
      expect(noticedMs).toBeLessThanOrEqual(200 + 500 + 500)
      console.log(`lock session hung → holder gave the role up after ${noticedMs} ms (bound: heartbeat 200 + timeout 500 ms)`)
      // The frozen backend still holds the advisory lock: a second node must not take over.
      const sb = sequencer(b, 'hung-b')
      sb.s.start()
      await new Promise((r) => setTimeout(r, 600))
      expect(sb.s.status().role).toBe('candidate')
      expect(sa.s.status().role).toBe('candidate')
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    // Thawed, the backend finds its client gone and exits, releasing the lock: someone takes over.
    await until('a new holder', async () => (await b.sequencerState()).epoch === epoch + 1, 5000)
  })

  it('times out waiting with LOG_SEQUENCING_TIMEOUT while no sequencer runs; the registration stays queued and is appended later', async () => {
    const { url } = await freshDb()
    const store = await openStore(url)
    const q = openQueue(store)
    const [ref] = await q.enqueue([reg(1)])
    await expect(q.waitFor([ref as NonNullable<typeof ref>], { timeoutMs: 300 })).rejects.toMatchObject({ code: 'LOG_SEQUENCING_TIMEOUT' })
    sequencer(store, 'late').s.start()
    expect(await q.waitFor([ref as NonNullable<typeof ref>], { timeoutMs: 5000 })).toEqual([{ seq: ref?.seq, index: 0, leafHash: expect.any(Uint8Array), created: true }])
  })

  it('rejects a registration whose leaf cannot be built with its code, without blocking the ones around it', async () => {
    const { url } = await freshDb()
    const store = await openStore(url)
    const q = openQueue(store)
    sequencer(store, 'n', {
      buildLeaf: (payload, prior) => {
        if (dec.decode(payload) === 'registration 2') throw new MintmarkError('STATEMENT_SCHEMA_INVALID', 'not a statement')
        return buildLeaf(payload, prior)
      },
    }).s.start()
    const refs = await q.enqueue([reg(1), reg(2), reg(3)])
    await expect(q.waitFor([refs[1] as NonNullable<(typeof refs)[number]>], { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'STATEMENT_SCHEMA_INVALID' })
    const done = await q.waitFor([refs[0], refs[2]] as NonNullable<(typeof refs)[number]>[], { timeoutMs: 5000 })
    expect(done.map((d) => d.index)).toEqual([0, 1])
    expect(await auditPostgresLog(store)).toMatchObject({ entries: 2, rejected: 1, pending: 0, problems: [] })
  })

  it('refuses registrations it could not store later with INPUT_INVALID, queueing nothing', async () => {
    const { url } = await freshDb()
    const store = await openStore(url)
    const q = openQueue(store)
    const bad: QueueDraft[] = [
      { ...reg(1), expectIndex: 0 } as QueueDraft,
      reg(2, { fingerprints: [{ algorithm: 'pdq', hash: new Uint8Array(8), quality: 1 }] }),
      reg(3, { creator: 'did:key:\u0000' }),
      reg(4, { asset: undefined, fingerprints: [{ algorithm: 'pdq', hash: new Uint8Array(32), quality: 1 }] } as Partial<QueueDraft>),
      reg(5, { statementHash: new Uint8Array(4) }),
    ]
    for (const d of bad) await expect(q.enqueue([reg(9), d])).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    expect(Number((await store.pool.query('SELECT count(*) AS n FROM queue')).rows[0].n)).toBe(0)
  })

  it('resolves a queued statement that is already in the log (appended directly) to its index, created: false', async () => {
    const { url } = await freshDb()
    const store = await openStore(url)
    await store.appendEntries([{ ...reg(1), build: (prior) => buildLeaf(enc.encode('registration 1'), prior) }])
    const q = openQueue(store)
    sequencer(store, 'n').s.start()
    expect(await q.append([reg(2), reg(1)], { timeoutMs: 5000 })).toEqual([
      { seq: expect.any(Number), index: 1, leafHash: expect.any(Uint8Array), created: true },
      { seq: expect.any(Number), index: 0, leafHash: (await store.getEntry(0))?.leafHash, created: false },
    ])
  })
})

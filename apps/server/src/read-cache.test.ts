import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type AppContext, createStatementAppender, openApp, prepareSignedStatement } from '@mintmark/app'
import Database from 'better-sqlite3'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../test/helpers/cli.js'
import { type Keypair, type TestServer, makeHome, newKeypair, rand, serve, signedPost, signedStatementFor } from '../test/helpers.js'
import { assetCacheFor, createAssetCache, etagMatches, openWalIndexProbe } from './read-cache.js'

// GET /v1/assets/{cid} from the read cache: real server, real SQLite, real fetch. Each test
// would fail if a cached answer outlived what it was built from.
const alice: Keypair = newKeypair()
const bob: Keypair = newKeypair()
const big = { burst: 1e9, perSecond: 1e9 }

describe('GET /v1/assets/{cid} over HTTP', () => {
  let env: Awaited<ReturnType<typeof makeHome>>
  let server: TestServer
  beforeAll(async () => {
    env = await makeHome()
    server = await serve(env.home, { rateLimits: { read: big, write: big } })
  })
  afterAll(async () => {
    await server?.close()
    await fsp.rm(env.work, { recursive: true, force: true })
  })

  async function registerAs(who: Keypair, bytes: Uint8Array) {
    const signed = await signedStatementFor(who, bytes)
    const r = await signedPost(`${server.url}/v1/assets`, who, signed)
    expect(r.status).toBe(201)
    return signed.statement.asset.cid
  }

  it('answers with an ETag, 304 to If-None-Match, and a later claim on the same asset at once', async () => {
    const bytes = rand(700)
    const cid = await registerAs(alice, bytes)
    const first = await fetch(`${server.url}/v1/assets/${cid}`)
    const etag = first.headers.get('etag') as string
    const body = (await first.json()) as { claims: { creator: string }[]; contentStored: boolean }
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('application/json')
    expect(etag).toMatch(/^"[\w-]{27}"$/)
    expect(body.claims.map((c) => c.creator)).toEqual([alice.did])

    // The second read is a cache hit (the fast path): the same bytes and ETag.
    const second = await fetch(`${server.url}/v1/assets/${cid}`)
    expect(second.headers.get('etag')).toBe(etag)
    expect(await second.json()).toEqual(body)
    const notModified = await fetch(`${server.url}/v1/assets/${cid}`, { headers: { 'if-none-match': `"other", W/${etag}` } })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('etag')).toBe(etag)
    expect(await notModified.text()).toBe('')

    // Bob claims the same content: the log grew, the cached record must not be served.
    await registerAs(bob, bytes)
    const after = await fetch(`${server.url}/v1/assets/${cid}`, { headers: { 'if-none-match': etag } })
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).not.toBe(etag)
    const claims = ((await after.json()) as { claims: { creator: string }[] }).claims
    expect(claims.map((c) => c.creator)).toEqual([alice.did, bob.did])
  })

  it('an asset registered later changes the tree size every record reports', async () => {
    const cid = await registerAs(alice, rand(300))
    const before = (await (await fetch(`${server.url}/v1/assets/${cid}`)).json()) as { log: { treeSize: number } }
    await registerAs(alice, rand(301))
    const after = (await (await fetch(`${server.url}/v1/assets/${cid}`)).json()) as { log: { treeSize: number } }
    expect(after.log.treeSize).toBe(before.log.treeSize + 1)
  })

  it('the same answers as the full path (in-process app.request), and what the fast path does not take goes the full way', async () => {
    const cid = await registerAs(alice, rand(400))
    const viaHttp = await fetch(`${server.url}/v1/assets/${cid}`)
    const inProcess = await server.app.request(`/v1/assets/${cid}`)
    expect(inProcess.status).toBe(200)
    expect(inProcess.headers.get('etag')).toBe(viaHttp.headers.get('etag'))
    expect(await inProcess.text()).toBe(await viaHttp.text())
    expect((await server.app.request(`/v1/assets/${cid}`, { headers: { 'if-none-match': viaHttp.headers.get('etag') as string } })).status).toBe(304)

    const code = async (r: Response) => ({ status: r.status, code: ((await r.json()) as { code: string }).code })
    expect(await code(await fetch(`${server.url}/v1/assets/${cid}?x=1`))).toEqual({ status: 400, code: 'INPUT_INVALID' })
    expect(await code(await fetch(`${server.url}/v1/assets/bafkreiaaaa`))).toEqual({ status: 400, code: 'CID_INVALID' })
    const unknown = (await signedStatementFor(alice, rand(10))).statement.asset.cid
    expect(await code(await fetch(`${server.url}/v1/assets/${unknown}`))).toEqual({ status: 404, code: 'ASSET_NOT_FOUND' })
  })

  it('cache hits keep request ids and metrics', async () => {
    const cid = await registerAs(alice, rand(500))
    await fetch(`${server.url}/v1/assets/${cid}`)
    const hit = await fetch(`${server.url}/v1/assets/${cid}`, { headers: { 'x-request-id': 'trace-42' } })
    expect(hit.headers.get('x-request-id')).toBe('trace-42')
    expect((await fetch(`${server.url}/v1/assets/${cid}`)).headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/)
    const count = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      return Number(/mintmark_http_requests_total\{route="\/v1\/assets\/\{cid\}",method="GET",status="200"\} (\d+)/.exec(text)?.[1])
    }
    const n = await count()
    await fetch(`${server.url}/v1/assets/${cid}`)
    expect(await count()).toBe(n + 1)
  })
})

describe('GET /v1/assets/{cid}: another process writing to the same home', () => {
  it('an asset registered by another process (the CLI) shows on the next GET: the tree size every record reports grew', async () => {
    const env = await makeHome()
    const server = await serve(env.home, { rateLimits: { read: big, write: big } })
    try {
      const register = async (name: string) => {
        const file = path.join(env.work, name)
        await fsp.writeFile(file, rand(640))
        const r = await runCli(['register', file, '--json', '--home', env.home])
        expect(r.code, r.stderr).toBe(0)
        return (JSON.parse(r.stdout) as { registered: { cid: string }[] }).registered[0]?.cid as string
      }
      const cid = await register('a.bin')
      const get = async () => {
        const r = await fetch(`${server.url}/v1/assets/${cid}`)
        expect(r.status).toBe(200)
        return { etag: r.headers.get('etag'), body: (await r.json()) as { log: { treeSize: number } } }
      }
      const before = await get()
      expect((await get()).etag).toBe(before.etag) // served from the cache
      // Appended by another process, with no request to this server in between: only the store
      // can tell the cache.
      await register('b.bin')
      const after = await get()
      expect(after.body.log.treeSize).toBe(before.body.log.treeSize + 1)
      expect(after.etag).not.toBe(before.etag)
    } finally {
      await server.close()
      await fsp.rm(env.work, { recursive: true, force: true })
    }
  })
})

describe('GET /v1/assets/{cid}: request log of cache hits', () => {
  async function run(requestLog: 'each' | undefined) {
    const env = await makeHome()
    const lines: { msg: string; route?: string; reqId?: string; status?: number | Record<string, number>; count?: number }[] = []
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
    const server = await serve(env.home, { logger, requestLog, rateLimits: { read: big, write: big } })
    try {
      const signed = await signedStatementFor(alice, rand(120))
      expect((await signedPost(`${server.url}/v1/assets`, alice, signed)).status).toBe(201)
      const url = `${server.url}/v1/assets/${signed.statement.asset.cid}`
      const first = await fetch(url) // a miss: the full path
      const etag = first.headers.get('etag') as string
      await fetch(url)
      await fetch(url)
      expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304)
      expect((await fetch(url, { headers: { 'x-request-id': 'traced-1' } })).status).toBe(200)
    } finally {
      await server.close()
      await fsp.rm(env.work, { recursive: true, force: true })
    }
    return { requests: lines.filter((l) => l.msg === 'request' && l.route === '/v1/assets/{cid}'), aggregates: lines.filter((l) => l.msg === 'cached reads') }
  }

  it('by default: the miss and a traced hit get their line, the other hits one aggregate record (flushed on close)', async () => {
    const { requests, aggregates } = await run(undefined)
    expect(requests).toHaveLength(2)
    expect(requests[1]?.reqId).toBe('traced-1')
    expect(aggregates).toEqual([expect.objectContaining({ route: '/v1/assets/{cid}', count: 3, status: { 200: 2, 304: 1 } })])
  })

  it("requestLog: 'each' logs every hit", async () => {
    const { requests, aggregates } = await run('each')
    expect(requests.map((r) => r.status)).toEqual([200, 200, 200, 304, 200])
    expect(aggregates).toEqual([])
  })
})

describe('openWalIndexProbe', () => {
  it('changes on a commit by this connection or another one, and not otherwise', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-wal-probe-'))
    const file = path.join(dir, 'db.sqlite')
    const a = new Database(file)
    a.pragma('journal_mode = WAL')
    a.exec('CREATE TABLE t (x INTEGER)')
    const b = new Database(file)
    const probe = openWalIndexProbe(file)
    try {
      const v0 = probe.version()
      expect(probe.version()).toBe(v0)
      a.prepare('SELECT COUNT(*) FROM t').get() // reads commit nothing
      expect(probe.version()).toBe(v0)
      a.prepare('INSERT INTO t VALUES (1)').run()
      const v1 = probe.version()
      expect(v1).not.toBe(v0)
      expect(probe.version()).toBe(v1)
      b.prepare('INSERT INTO t VALUES (2)').run() // another connection (as another process would)
      const v2 = probe.version()
      expect(v2).not.toBe(v1)
      // A checkpoint that restarts the WAL, then a commit into the restarted WAL: still seen.
      a.pragma('wal_checkpoint(TRUNCATE)')
      const v3 = probe.version()
      b.prepare('INSERT INTO t VALUES (3)').run()
      expect(probe.version()).not.toBe(v3)
    } finally {
      a.close()
      b.close()
      probe.close() // after the connections: closing a descriptor drops the process's locks
      await fsp.rm(dir, { recursive: true, force: true })
    }
  })

  it('without a WAL index every call is a change', () => {
    const probe = openWalIndexProbe(path.join(os.tmpdir(), 'mintmark-no-such-db.sqlite'))
    const v = probe.version()
    expect(probe.version()).not.toBe(v)
    probe.close()
  })
})

describe('GET /v1/assets/{cid}: rate limits hold on cache hits', () => {
  it('429 with Retry-After once the read bucket is empty, cached or not', async () => {
    const env = await makeHome()
    const server = await serve(env.home, { rateLimits: { read: { burst: 3, perSecond: 0.01 }, write: big } })
    try {
      const signed = await signedStatementFor(alice, rand(100))
      expect((await signedPost(`${server.url}/v1/assets`, alice, signed)).status).toBe(201)
      const get = () => fetch(`${server.url}/v1/assets/${signed.statement.asset.cid}`)
      expect([(await get()).status, (await get()).status, (await get()).status]).toEqual([200, 200, 200])
      const limited = await get()
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await server.close()
      await fsp.rm(env.work, { recursive: true, force: true })
    }
  })
})

describe('createAssetCache', () => {
  let env: Awaited<ReturnType<typeof makeHome>>
  let app: AppContext
  let append: (who: Keypair, bytes: Uint8Array) => Promise<string>
  beforeAll(async () => {
    env = await makeHome()
    app = await openApp({ home: env.home })
    const appender = createStatementAppender({ store: { appendEntries: app.appendEntries } })
    append = async (who, bytes) => {
      const signed = await signedStatementFor(who, bytes)
      await appender.append((await prepareSignedStatement(signed, { now: new Date(), store: app.store })).draft)
      return signed.statement.asset.cid
    }
  })
  afterAll(async () => {
    await app?.close()
    await fsp.rm(env.work, { recursive: true, force: true })
  })

  it('shows a checkpoint signed after the record was cached (the log did not grow)', async () => {
    const cache = createAssetCache(app)
    const cid = await append(alice, rand(200))
    const before = await cache.get(cid)
    expect(before.record.log.checkpointSize).toBeNull()
    expect(cache.peek(cid)?.record.log.checkpointSize).toBeNull() // looked up: none yet
    const c = await app.issueCheckpoint()
    const after = cache.peek(cid)
    expect(after?.record.log.checkpointSize).toBe(c.size)
    expect(after?.etag).not.toBe(before.etag)
    expect(JSON.parse((after as { body: Buffer }).body.toString()).log.checkpointSize).toBe(c.size)
    // the view handed out before is not changed behind its holder's back
    expect(before.record.log.checkpointSize).toBeNull()
  })

  it('contentStored: false is asked again after the TTL, in the background; true is kept', async () => {
    let t = 0
    const cache = createAssetCache(app, { now: () => t, negativeTtlMs: 1000 })
    const bytes = rand(900)
    const cid = await append(alice, bytes)
    expect((await cache.get(cid)).contentStored).toBe(false)
    await app.blobs.putBytes(bytes)
    t = 500
    expect(cache.peek(cid)?.contentStored).toBe(false) // within the TTL
    t = 1500
    expect(cache.peek(cid)?.contentStored).toBe(false) // stale answer, recheck started
    await new Promise((r) => setTimeout(r, 50))
    const now = cache.peek(cid)
    expect(now?.contentStored).toBe(true)
    expect(JSON.parse((now as { body: Buffer }).body.toString()).contentStored).toBe(true)
    t = 1_000_000
    expect(cache.peek(cid)?.contentStored).toBe(true)
  })

  it('a peek after the log grew is a miss; get rebuilds', async () => {
    const cache = createAssetCache(app)
    const cid = await append(alice, rand(201))
    await cache.get(cid)
    expect(cache.peek(cid)).toBeDefined()
    await append(bob, rand(202))
    expect(cache.peek(cid)).toBeUndefined()
    expect((await cache.get(cid)).record.log.treeSize).toBe(await app.store.size())
  })

  it('is bounded by entries and by bytes, least recently used out first', async () => {
    const cids = [await append(alice, rand(210)), await append(alice, rand(211)), await append(alice, rand(212))]
    const byCount = createAssetCache(app, { maxEntries: 2 })
    await byCount.get(cids[0] as string)
    await byCount.get(cids[1] as string)
    byCount.peek(cids[0] as string) // 0 is now the most recently used
    await byCount.get(cids[2] as string)
    expect(byCount.stats().entries).toBe(2)
    expect(byCount.peek(cids[0] as string)).toBeDefined()
    expect(byCount.peek(cids[1] as string)).toBeUndefined()

    const one = (await byCount.get(cids[0] as string)).body.length
    const byBytes = createAssetCache(app, { maxBytes: one + 10 })
    for (const cid of cids) await byBytes.get(cid)
    expect(byBytes.stats().entries).toBe(1)
    expect(byBytes.stats().bytes).toBeLessThanOrEqual(one + 10)
  })

  it('one cache per app context', () => {
    expect(assetCacheFor(app)).toBe(assetCacheFor(app))
  })
})

describe('etagMatches', () => {
  it('weak comparison over a list, and *', () => {
    expect(etagMatches('"a", "b"', '"b"')).toBe(true)
    expect(etagMatches('W/"b"', '"b"')).toBe(true)
    expect(etagMatches('*', '"b"')).toBe(true)
    expect(etagMatches('"a"', '"b"')).toBe(false)
    expect(etagMatches(undefined, '"b"')).toBe(false)
  })
})

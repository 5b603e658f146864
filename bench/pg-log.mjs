#!/usr/bin/env node
// Issue 7 benchmarks (PostgreSQL log), printed as one JSON document:
//  - registration throughput on PostgreSQL with 1, 2 and 4 node processes (packages/storage/test/pg-node.mjs:
//    each queues registrations durably and competes for the sequencer role; a registration counts
//    when it is appended, i.e. its log index is known), and the same workload on the embedded
//    SQLite store in one process, side by side in the same run;
//  - filtered search over N rows (default 1,000,000; the figure in docs/adr/0012 is for
//    --rows 10000000) in a PostgreSQL table shaped like apps/server's search index, generated
//    with generate_series; p50/p95 per query shape and overall.
// PostgreSQL: --pg-url (a role that may CREATE DATABASE), else a throwaway server started from
// /usr/lib/postgresql/15/bin (MINTMARK_PG_BIN), fsync on, on 127.0.0.1.
// Usage: npx tsc -b packages/storage && node bench/pg-log.mjs [--registrations 20000] [--processes 1,2,4]
//        [--concurrency 64] [--group 1] [--rows 1000000] [--queries 40] [--skip-register] [--skip-search] [--pg-url URL]
import { execFileSync, fork, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, openSync, promises as fsp, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createSqliteStore } from '@mintmark/storage'
import { buildLeaf, registrationOf } from '../packages/storage/test/multi-writer-fixture.mjs'

const { values } = parseArgs({
  options: {
    registrations: { type: 'string', default: '20000' },
    processes: { type: 'string', default: '1,2,4' },
    // Like HTTP clients: one registration per request, 64 requests in flight per process.
    concurrency: { type: 'string', default: '64' },
    group: { type: 'string', default: '1' },
    rows: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '40' },
    'skip-register': { type: 'boolean', default: false },
    'skip-search': { type: 'boolean', default: false },
    'pg-url': { type: 'string' },
  },
})
const root = path.resolve(import.meta.dirname, '..')
const nodeScript = path.join(root, 'packages/storage/test/pg-node.mjs')
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]
const round = (x) => Math.round(x * 100) / 100
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function main() {
  const server = values['pg-url'] ? external(values['pg-url']) : await throwaway()
  const out = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadAvgAtStart: os.loadavg().map(round) },
    postgres: {},
  }
  try {
    out.postgres.version = await server.admin(async (c) => (await c.query('SHOW server_version')).rows[0].server_version)
    out.postgres.settings = await server.admin(async (c) =>
      Object.fromEntries(
        (await c.query("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'full_page_writes')")).rows.map((r) => [r.name, r.setting]),
      ),
    )
    if (!values['skip-register']) out.register = await benchRegister(server)
    if (!values['skip-search']) out.search = await benchSearch(server, Number(values.rows), Number(values.queries))
  } finally {
    await server.stop()
  }
  out.machine.loadAvgAtEnd = os.loadavg().map(round)
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
}

// --- registration throughput ------------------------------------------------------------------

async function benchRegister(server) {
  const total = Number(values.registrations)
  const concurrency = Number(values.concurrency)
  const group = Number(values.group)
  const result = {
    workload: `${total} registrations of ~1 KiB leaves (one new asset each), ${concurrency} requests of ${group} in flight per process; a request is done when its registrations are appended (index known)`,
    postgres: {},
    sqlite: undefined,
  }
  for (const p of values.processes.split(',').map(Number)) {
    const db = await server.createDatabase()
    const nodes = []
    try {
      for (let i = 0; i < p; i++) nodes.push(await startNode(db.url, `bench-${i}`))
      // Wait for a holder before the clock starts.
      await server.query(db.url, async (c) => {
        while (!(await c.query('SELECT holder FROM log_state')).rows[0].holder) await sleep(20)
      })
      const per = Math.floor(total / p)
      const t0 = performance.now()
      const done = await Promise.all(nodes.map((n, i) => n.request({ type: 'generate', from: i * per, count: per, concurrency, group }, 'generated')))
      const seconds = (performance.now() - t0) / 1000
      const stats = await Promise.all(nodes.map((n) => n.request({ type: 'stats' }, 'stats')))
      const seq = stats.reduce((a, s) => ({ batches: a.batches + s.sequencing.batches, entries: a.entries + s.sequencing.entries, ms: a.ms + s.sequencing.ms }), { batches: 0, entries: 0, ms: 0 })
      result.postgres[`${p}p`] = {
        processes: p,
        registrations: per * p,
        seconds: round(seconds),
        perSecond: Math.round((per * p) / seconds),
        requestLatencyMs: { p50: round(Math.max(...done.map((d) => d.requestLatencyMs.p50))), p99: round(Math.max(...done.map((d) => d.requestLatencyMs.p99))) },
        // The serial part: one sequencer's append transactions. Its rate bounds the log's
        // throughput whatever the number of API nodes or cores.
        sequencer: { batches: seq.batches, meanBatch: Math.round(seq.entries / Math.max(1, seq.batches)), busyShare: round(seq.ms / 1000 / seconds), entriesPerBusySecond: Math.round(seq.entries / (seq.ms / 1000)) },
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
      await db.drop()
    }
  }
  result.sqlite = await benchSqlite(total, concurrency, group)
  return result
}

function startNode(url, nodeId) {
  const { NODE_OPTIONS, ...env } = process.env
  const child = fork(nodeScript, [], {
    execArgv: [],
    env: {
      ...env,
      MINTMARK_NODE: JSON.stringify({ url, nodeId, origin: 'mintmark.bench/log', logSeedHex: '07'.repeat(32), retryMs: 200, checkpointEveryMs: 1000, checkpointEveryEntries: 10000 }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let id = 0
  const waiting = new Map()
  child.on('message', (m) => {
    const w = waiting.get(m.id)
    if (!w) return
    if (m.type === 'failed') w.reject(new Error(`node ${nodeId}: ${m.code} (${m.stage})`))
    else if (m.type === w.type) w.resolve(m)
    else return
    waiting.delete(m.id)
  })
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m) => m.type === 'ready' && resolve())
    child.once('exit', (code) => reject(new Error(`node ${nodeId} exited (${code})`)))
  })
  const node = {
    request(msg, type) {
      const rid = ++id
      return new Promise((resolve, reject) => {
        waiting.set(rid, { type, resolve, reject })
        child.send({ ...msg, id: rid })
      })
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(5000)])
      child.kill('SIGKILL')
    },
  }
  return ready.then(() => node)
}

/** The same registrations on the embedded SQLite store (WAL, synchronous=FULL), one process, group commit. */
async function benchSqlite(total, concurrency, group) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-bench-pglog-sqlite-'))
  const store = createSqliteStore({ path: path.join(dir, 'log.sqlite') })
  try {
    // Overlapping groups share one transaction, as register's group commit does.
    let pending = []
    let scheduled = false
    const commit = () => {
      scheduled = false
      const items = pending.splice(0, pending.length)
      try {
        const results = store.appendEntries(items.flatMap((i) => i.drafts))
        let k = 0
        for (const i of items) i.resolve(results.slice(k, (k += i.drafts.length)))
      } catch (error) {
        for (const i of items) i.reject(error)
      }
    }
    const append = (drafts) =>
      new Promise((resolve, reject) => {
        pending.push({ drafts, resolve, reject })
        if (!scheduled) {
          scheduled = true
          setImmediate(commit)
        }
      })
    const latencies = []
    let next = 0
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const drafts = []
          while (drafts.length < group && next < total) {
            const n = next++
            const r = registrationOf({ n, asset: n, creator: `did:key:bench${n % 7}` })
            drafts.push({ ...r, build: (prior) => buildLeaf(r.payload, prior) })
          }
          const started = performance.now()
          await append(drafts)
          latencies.push(performance.now() - started)
        }
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    return {
      processes: 1,
      registrations: total,
      seconds: round(seconds),
      perSecond: Math.round(total / seconds),
      requestLatencyMs: { p50: round(pct(latencies, 50)), p99: round(pct(latencies, 99)) },
      note: `the same ${concurrency} requests of ${group} in flight, in one process (overlapping requests share a transaction); WAL, synchronous=FULL`,
    }
  } finally {
    store.close()
    await fsp.rm(dir, { recursive: true, force: true })
  }
}

// --- filtered search --------------------------------------------------------------------------

const searchSchema = `
CREATE TABLE search_assets (
  id bigint PRIMARY KEY, cid text NOT NULL, media_type text NOT NULL, media_class text NOT NULL, source_type text NOT NULL,
  source_group text NOT NULL, model text, creator text NOT NULL, license text NOT NULL, commercial boolean, derivatives boolean,
  ai_training text, width integer, height integer, created bigint NOT NULL, has_parents boolean NOT NULL, title text,
  price bigint, currency text, chain_id integer, royalty_bps integer, has_anchor boolean
)`
// Distributions as in bench/server.mjs (media types, source types, licences, 50 models, 5,000
// creators skewed towards low numbers, sizes), from a seeded random().
const fill = (rows) => `
INSERT INTO search_assets
SELECT id, 'bafkrei' || lpad(to_hex(id), 12, '0') || repeat('a', 40), mt, split_part(mt, '/', 1), st,
  CASE WHEN st IN ('trainedAlgorithmicMedia', 'algorithmicMedia') THEN 'ai' WHEN st LIKE 'composite%' THEN 'composite' ELSE 'human' END,
  CASE WHEN st LIKE '%lgorithmic%' THEN 'model-' || floor(random() * 50)::int END,
  'did:key:z6Mkbench' || lpad(floor(5000 * random() ^ 2)::int::text, 6, '0'),
  -- licence facts as apps/server/src/search/classify.ts derives them (custom terms: random)
  lic,
  CASE lic WHEN 'CC-BY-NC-4.0' THEN false WHEN 'LicenseRef-studio' THEN NULL WHEN 'custom' THEN random() < 0.5 ELSE true END,
  CASE lic WHEN 'LicenseRef-studio' THEN NULL WHEN 'custom' THEN random() < 0.5 ELSE true END,
  CASE lic WHEN 'CC-BY-NC-4.0' THEN 'constrained' WHEN 'LicenseRef-studio' THEN NULL
    WHEN 'custom' THEN (ARRAY['allowed', 'notAllowed', 'constrained'])[1 + floor(random() * 3)::int] ELSE 'allowed' END,
  CASE WHEN mt LIKE 'image/%' OR mt LIKE 'video/%' THEN (ARRAY[256, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192])[1 + floor(random() * 9)::int] END,
  CASE WHEN mt LIKE 'image/%' OR mt LIKE 'video/%' THEN (ARRAY[256, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192])[1 + floor(random() * 9)::int] END,
  1704067200000 + (id::float8 / ${rows} * 63072000000)::bigint + floor(random() * 3600000)::bigint,
  random() < 0.2, 'title ' || id, NULL, NULL, NULL, NULL, NULL
FROM (
  SELECT id,
    CASE WHEN r1 < .25 THEN 'image/png' WHEN r1 < .40 THEN 'image/jpeg' WHEN r1 < .50 THEN 'image/webp' WHEN r1 < .60 THEN 'video/mp4'
      WHEN r1 < .65 THEN 'audio/wav' WHEN r1 < .70 THEN 'audio/mpeg' WHEN r1 < .75 THEN 'model/gltf-binary' WHEN r1 < .90 THEN 'text/plain'
      ELSE 'application/vnd.safetensors' END AS mt,
    CASE WHEN r2 < .50 THEN 'trainedAlgorithmicMedia' WHEN r2 < .60 THEN 'compositeWithTrainedAlgorithmicMedia' WHEN r2 < .80 THEN 'digitalCapture'
      WHEN r2 < .90 THEN 'digitalCreation' WHEN r2 < .93 THEN 'algorithmicMedia' WHEN r2 < .97 THEN 'composite' ELSE 'humanEdits' END AS st,
    CASE WHEN r3 < .30 THEN 'CC-BY-4.0' WHEN r3 < .45 THEN 'CC0-1.0' WHEN r3 < .60 THEN 'CC-BY-NC-4.0' WHEN r3 < .70 THEN 'MIT'
      WHEN r3 < .75 THEN 'Apache-2.0' WHEN r3 < .85 THEN 'CC-BY-SA-4.0' WHEN r3 < .90 THEN 'LicenseRef-studio' ELSE 'custom' END AS lic
  FROM (SELECT id, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(0, ${rows - 1}) AS id) g
) x`
const facetColumns = ['media_type', 'media_class', 'source_type', 'source_group', 'model', 'creator', 'license', 'commercial', 'derivatives', 'ai_training', 'has_parents']
// Every equality filter has an index (column, created, id): "filter = v ORDER BY created DESC"
// walks one index range in order and stops at the page size (as in the SQLite search index).
const searchIndexes = [
  'CREATE INDEX ON search_assets (created, id)',
  ...facetColumns.map((c) => `CREATE INDEX ON search_assets (${c}, created, id)`),
  'CREATE INDEX ON search_assets (width)',
  'CREATE INDEX ON search_assets (height)',
]

async function benchSearch(server, rows, perShape) {
  const db = await server.createDatabase()
  try {
    return await server.query(db.url, async (c) => {
      await c.query("SET maintenance_work_mem = '512MB'")
      await c.query(searchSchema)
      let t = performance.now()
      await c.query('SELECT setseed(0.42)')
      await c.query(fill(rows))
      const insertSeconds = (performance.now() - t) / 1000
      t = performance.now()
      for (const sql of searchIndexes) await c.query(sql)
      await c.query('VACUUM ANALYZE search_assets')
      const indexSeconds = (performance.now() - t) / 1000
      const bytes = Number((await c.query("SELECT pg_total_relation_size('search_assets') AS b")).rows[0].b)

      let s = 7
      const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648)
      const pick = (xs) => xs[Math.floor(rnd() * xs.length)]
      const start = 1704067200000
      const span = 63072000000
      const week = 7 * 86400000
      const page = 'ORDER BY created DESC, id DESC LIMIT 20'
      const shapes = {
        'mediaType=image/*': () => [`media_class = 'image' ${page}`, []],
        'source=ai & license': () => [`source_group = 'ai' AND license = $1 ${page}`, [pick(['CC-BY-4.0', 'CC0-1.0', 'MIT'])]],
        model: () => [`model = $1 ${page}`, [`model-${Math.floor(rnd() * 50)}`]],
        creator: () => [`creator = $1 ${page}`, [`did:key:z6Mkbench${String(Math.floor(5000 * rnd())).padStart(6, '0')}`]],
        'commercial & aiTraining=allowed & minWidth': () => [`commercial AND ai_training = 'allowed' AND width >= 2048 ${page}`, []],
        'image/png & min 4096x4096': () => [`media_type = 'image/png' AND width >= 4096 AND height >= 4096 ${page}`, []],
        'created week & source=human': () => {
          const a = start + Math.floor(rnd() * (span - week))
          return [`created >= $1 AND created < $2 AND source_group = 'human' ${page}`, [a, a + week]]
        },
        'hasParents & composite & derivatives': () => [`has_parents AND source_group = 'composite' AND derivatives ${page}`, []],
        'audio & CC0 & no parents': () => [`media_class = 'audio' AND license = 'CC0-1.0' AND NOT has_parents ${page}`, []],
        'model & minWidth & commercial': () => [`model = $1 AND width >= 4096 AND commercial ${page}`, [`model-${Math.floor(rnd() * 50)}`]],
        'created-asc & video': () => [`media_class = 'video' ORDER BY created ASC, id ASC LIMIT 20`, []],
        'page 2 (keyset) of image & ai': () => ['page2', []],
        'sparse: audio & minWidth (0 hits)': () => [`media_class = 'audio' AND width >= 100 ${page}`, []],
        'sparse: human & model (0 hits)': () => [`source_group = 'human' AND model = $1 ${page}`, [`model-${Math.floor(rnd() * 50)}`]],
      }
      const queries = {}
      const filtered = []
      const sparse = []
      for (const [name, make] of Object.entries(shapes)) {
        const times = []
        let hits = 0
        for (let i = 0; i < perShape; i++) {
          let [where, args] = make()
          if (where === 'page2') {
            const first = (await c.query(`SELECT id, created FROM search_assets WHERE media_class = 'image' AND source_group = 'ai' ${page}`)).rows.at(-1)
            where = `media_class = 'image' AND source_group = 'ai' AND (created, id) < ($1, $2) ${page}`
            args = [first.created, first.id]
          }
          const t0 = performance.now()
          const r = await c.query(`SELECT id, cid, media_type, title, creator, created FROM search_assets WHERE ${where}`, args)
          times.push(performance.now() - t0)
          hits += r.rows.length
        }
        queries[name] = { p50Ms: round(pct(times, 50)), p95Ms: round(pct(times, 95)), maxMs: round(Math.max(...times)), avgHits: round(hits / perShape) }
        if (name.startsWith('sparse')) sparse.push(...times)
        else filtered.push(...times)
      }
      return {
        rows,
        insertSeconds: round(insertSeconds),
        indexSeconds: round(indexSeconds),
        tableAndIndexBytes: bytes,
        queriesPerShape: perShape,
        filtered: { p50Ms: round(pct(filtered, 50)), p95Ms: round(pct(filtered, 95)) },
        sparseZeroHit: { p50Ms: round(pct(sparse, 50)), p95Ms: round(pct(sparse, 95)) },
        all: { p50Ms: round(pct([...filtered, ...sparse], 50)), p95Ms: round(pct([...filtered, ...sparse], 95)) },
        queries,
      }
    })
  } finally {
    await db.drop()
  }
}

// --- the PostgreSQL server ---------------------------------------------------------------------

function withClient(url) {
  return async (fn) => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      return await fn(c)
    } finally {
      await c.end()
    }
  }
}

function serverApi(adminUrl, stop) {
  const admin = withClient(adminUrl)
  return {
    admin,
    query: (url, fn) => withClient(url)(fn),
    stop,
    async createDatabase() {
      const name = `mintmark_bench_${Math.random().toString(36).slice(2, 10)}`
      await admin((c) => c.query(`CREATE DATABASE ${name}`))
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return { url: url.toString(), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) }
    },
  }
}

function external(url) {
  return serverApi(url, async () => {})
}

async function throwaway() {
  const bin = process.env.MINTMARK_PG_BIN ?? '/usr/lib/postgresql/15/bin'
  if (!existsSync(path.join(bin, 'initdb'))) throw new Error(`No PostgreSQL binaries in ${bin}: pass --pg-url or set MINTMARK_PG_BIN`)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mintmark-bench-pg-'))
  const asRoot = process.getuid?.() === 0
  const wrap = (cmd, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args])
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'])), Number(execFileSync('id', ['-g', 'postgres'])))
  const data = path.join(dir, 'data')
  execFileSync(...wrap(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']), { stdio: 'pipe' })
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  const log = openSync(path.join(dir, 'server.log'), 'a')
  // Durable (fsync, synchronous_commit on); memory sized for the 10M-row search table.
  spawn(
    ...wrap(path.join(bin, 'postgres'), [
      '-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port), '-c', 'fsync=on', '-c', 'synchronous_commit=on',
      '-c', 'shared_buffers=1GB', '-c', 'max_wal_size=8GB', '-c', 'max_connections=100',
    ]),
    { stdio: ['ignore', log, log] },
  )
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  for (let i = 0; ; i++) {
    try {
      await withClient(adminUrl)((c) => c.query('SELECT 1'))
      break
    } catch (error) {
      if (i > 300) throw error
      await sleep(100)
    }
  }
  const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
  return serverApi(adminUrl, async () => {
    try {
      process.kill(pid, 'SIGINT')
    } catch {}
    for (let i = 0; i < 300; i++) {
      try {
        process.kill(pid, 0)
        await sleep(50)
      } catch {
        break
      }
    }
    rmSync(dir, { recursive: true, force: true })
  })
}

await main()

#!/usr/bin/env node
// Issue 7: signed registration throughput through real `mintmark serve` processes (the built CLI)
// on PostgreSQL with 1, 2 and 4 nodes, and the same workload against one `mintmark serve` on
// SQLite, side by side in the same run; printed as one JSON document.
//
// Each configuration gets a fresh home (and, on PostgreSQL, a fresh database on one throwaway
// server, fsync on). The requests are signed registrations exactly as bench/server.mjs sends them
// (bench/signed-registration.mjs: a signed statement + RFC 9421), by 200 creators in turn (the
// server's default rate limits are per principal), signed before the run for the node it goes to
// (round robin). A bounded pool of keep-alive HTTP clients replays them; a registration counts
// when its 201 (with its log index) arrives. Latency is per request, client side.
//
// Usage: npx tsc -b && npx tsc -p apps/cli && node bench/serve-postgres.mjs
//          [--requests 2000] [--warmup 200] [--creators 200] [--connections 20] [--nodes 1,2,4] [--skip-sqlite] [--pg-url URL] [--statements]
// BENCH_SERVE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the serve processes.
import { execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, openSync, promises as fsp, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { signedRegistration } from './signed-registration.mjs'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    creators: { type: 'string', default: '200' },
    connections: { type: 'string', default: '20' },
    nodes: { type: 'string', default: '1,2,4' },
    'skip-sqlite': { type: 'boolean', default: false },
    'pg-url': { type: 'string' },
    // Diagnostics: the throwaway server preloads pg_stat_statements; each PostgreSQL run reports
    // its most called statements (calls per registration, mean ms).
    statements: { type: 'boolean', default: false },
  },
})
const repo = path.resolve(import.meta.dirname, '..')
const cli = path.join(repo, 'apps/cli/bin/mintmark.js')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const round = (x) => Math.round(x * 100) / 100
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)

async function main() {
  const { generateEd25519KeyPair } = await import('@mintmark/core')
  const requests = Number(values.requests)
  const warmup = Number(values.warmup)
  const connections = Number(values.connections)
  // Creators sign in turn (request i: creator i mod C). Few enough requests each to stay within
  // the server's default per-principal write bucket (burst 60); the warm-up has every node check
  // its creators' keys once (cached per process), as a server does for returning creators.
  const creators = Array.from({ length: Number(values.creators) }, () => generateEd25519KeyPair())
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-bench-serve-pg-'))
  const server = values['pg-url'] ? external(values['pg-url']) : await throwaway()
  const out = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
    workload: { requests, warmup, connections, kind: 'signed registration (RFC 9421 + signed statement), round robin over nodes', creators: creators.length },
    loadBefore: loadavg(),
    runs: [],
  }
  const configs = [
    ...(values['skip-sqlite'] ? [] : [{ database: 'sqlite', nodes: 1 }]),
    ...values.nodes.split(',').filter(Boolean).map((n) => ({ database: 'postgres', nodes: Number(n) })),
  ]
  try {
    for (const [k, c] of configs.entries()) {
      const home = path.join(work, `home-${k}`)
      const db = c.database === 'postgres' ? await server.createDatabase() : undefined
      const env = { ...process.env, MINTMARK_HOME: home, ...(db ? { MINTMARK_DATABASE_URL: db.url } : { MINTMARK_DATABASE_URL: '' }) }
      execFileSync(process.execPath, [cli, 'init', '--json'], { env, stdio: 'pipe' })
      const nodes = []
      try {
        for (let i = 0; i < c.nodes; i++) nodes.push(await startServe(env))
        const prepare = async (n) => {
          const reqs = []
          for (let i = 0; i < n; i++) {
            const node = nodes[i % nodes.length]
            reqs.push({ node, ...(await signedRegistration(node.url, creators[i % creators.length])) })
          }
          return reqs
        }
        await drive(await prepare(warmup), connections)
        const prepared = await prepare(requests)
        const load = loadavg()
        if (db && values.statements) await db.query('SELECT pg_stat_statements_reset()')
        const cpu0 = cpuMs(nodes.map((n) => n.pid))
        const pg0 = db ? cpuMs(server.backends()) : 0
        const r = await drive(prepared, connections)
        // CPU spent per registration (user + system, ms): the serve processes, and on PostgreSQL
        // the server's processes too (backends, WAL writer, checkpointer). On 2 shared cores this,
        // not latency, bounds throughput.
        const cpu = { serveMs: round((cpuMs(nodes.map((n) => n.pid)) - cpu0) / r.registered), ...(db ? { postgresMs: round((cpuMs(server.backends()) - pg0) / r.registered) } : {}) }
        const statements = db && values.statements ? await topStatements(db, r.registered) : undefined
        const health = await (await fetch(`${nodes[0].url}/healthz`)).json()
        out.runs.push({ ...c, ...r, cpuPerRegistration: cpu, loadBefore: load, loadAfter: loadavg(), logSizeAfter: health.logSize, ...(statements ? { statements } : {}) })
      } finally {
        await Promise.all(nodes.map((n) => n.stop()))
        await db?.drop().catch(() => {})
      }
    }
  } finally {
    await server.stop()
    await fsp.rm(work, { recursive: true, force: true })
  }
  const sqlite = out.runs.find((r) => r.database === 'sqlite')
  for (const r of out.runs) if (sqlite && r !== sqlite) r.vsSqlite = round(r.rps / sqlite.rps)
  const one = out.runs.find((r) => r.database === 'postgres' && r.nodes === 1)
  for (const r of out.runs) if (one && r.database === 'postgres' && r !== one) r.vsOnePostgresNode = round(r.rps / one.rps)
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
}

/** CPU time (user + system) of these processes so far, in ms; a process gone counts 0. */
function cpuMs(pids) {
  const tick = 1000 / 100 // USER_HZ
  let total = 0
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
      total += (Number(rest[11]) + Number(rest[12])) * tick
    } catch {}
  }
  return total
}

async function topStatements(db, registered) {
  const r = await db.query(
    `SELECT calls, total_exec_time, mean_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS q FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC LIMIT 15`,
  )
  return r.rows.map((x) => ({ perRegistration: round(Number(x.calls) / registered), meanMs: round(x.mean_exec_time), query: x.q }))
}

/** Replays the prepared requests with `connections` in flight (one keep-alive agent per node). */
async function drive(prepared, connections) {
  const latencies = []
  const statuses = {}
  let errors = 0
  let next = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < prepared.length) {
      const req = prepared[next++]
      const t = performance.now()
      try {
        const status = await send(req)
        statuses[status] = (statuses[status] ?? 0) + 1
        if (status === 201) latencies.push(performance.now() - t)
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  const seconds = (performance.now() - t0) / 1000
  const ok = latencies.length
  return {
    registered: ok,
    seconds: round(seconds),
    rps: round(ok / seconds),
    p50Ms: round(pct(latencies, 50) ?? 0),
    p99Ms: round(pct(latencies, 99) ?? 0),
    maxMs: round(Math.max(0, ...latencies)),
    statuses,
    errors,
  }
}

function send({ node, method, path: p, body, headers }) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: node.host, port: node.port, method, path: p, headers: { ...headers, 'content-length': body.length }, agent: node.agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
      res.on('error', reject)
    })
    r.on('error', reject)
    r.end(body)
  })
}

async function startServe(env) {
  const execArgv = (process.env.BENCH_SERVE_NODE_OPTIONS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...execArgv, cli, 'serve', '--port', '0', '--json', '--no-workers'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const { url } = await new Promise((resolve, reject) => {
    let outText = ''
    let errText = ''
    child.stderr.on('data', (d) => (errText += d))
    child.stdout.on('data', (d) => {
      outText += d
      try {
        resolve(JSON.parse(outText))
      } catch {}
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${errText}`)))
  })
  const u = new URL(url)
  return {
    url,
    pid: child.pid,
    host: u.hostname,
    port: Number(u.port),
    agent: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

// --- PostgreSQL: an existing server (--pg-url), else a throwaway one (as in bench/pg-log.mjs) --

function serverApi(adminUrl, stop, postmasterPid) {
  const admin = async (fn) => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    try {
      return await fn(c)
    } finally {
      await c.end()
    }
  }
  return {
    stop,
    /** The throwaway server's processes (the postmaster and its children); none for an external server. */
    backends() {
      if (!postmasterPid) return []
      const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmasterPid)]).toString().split('\n').map(Number).filter(Boolean)
      return [postmasterPid, ...kids]
    },
    async createDatabase() {
      const name = `mintmark_bench_${Math.random().toString(36).slice(2, 10)}`
      await admin((c) => c.query(`CREATE DATABASE ${name}`))
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      const query = async (sql) => {
        const c = new pg.Client({ connectionString: url.toString() })
        await c.connect()
        try {
          return await c.query(sql)
        } finally {
          await c.end()
        }
      }
      if (values.statements) await query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
      return { url: url.toString(), query, drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) }
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
  // Durable: fsync and synchronous_commit on, as in production.
  spawn(
    ...wrap(path.join(bin, 'postgres'), [
      '-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port), '-c', 'fsync=on', '-c', 'synchronous_commit=on',
      '-c', 'shared_buffers=256MB', '-c', 'max_connections=200',
      ...(values.statements ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'] : []),
    ]),
    { stdio: ['ignore', log, log] },
  )
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  for (let i = 0; ; i++) {
    try {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      await c.end()
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
  }, pid)
}

await main()

#!/usr/bin/env node
// Issue 4 benchmarks (HTTP service), printed as one JSON document:
//  - search: a search index of N synthetic assets (default 1,000,000) built directly (not through
//    register), then filtered queries measured in process (p50/p95 per query shape and overall);
//  - HTTP on loopback with autocannon, the server in a child process:
//      GET /v1/assets/:cid (50 connections), POST /v1/verify with a 1 MiB body (8 connections),
//      signed registration (RFC 9421 + signed statement; 20 connections).
//    Each run also reports the server's CPU per request (process.cpuUsage deltas in the child).
//  - a REFERENCE measured side by side in the same run: a minimal node:http server in its own
//    child that answers the same GETs with the same bytes, and reads a 1 MiB body, SHA-256es it
//    twice and answers with our verify report's bytes. `reference` holds its figures and `ratio`
//    ours / reference: on a noisy machine the ratio is the honest figure, and the reference shows
//    how much of the ceiling is autocannon + node:http itself.
// Usage: npx tsc -b apps/server && node bench/server.mjs [--rows 1000000] [--duration 10] [--queries 60] [--skip-search] [--skip-http]
//        [--routes get,verify,register] [--no-reference: skip the minimal node:http reference]
//        [--rate-get N] [--rate-verify N]: also run ours and the reference at a fixed N req/s and report CPU per request at
//        that rate (`atRate`): the same load for both, so batching under saturation does not colour the comparison [--search-db FILE: build the index there and keep it, or reuse it if it exists (bigger runs: --rows 10000000)]
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { signedRegistration as signedRegistrationOf } from './signed-registration.mjs'
import { rng } from './synthetic.mjs'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '10' },
    queries: { type: 'string', default: '60' },
    'skip-search': { type: 'boolean', default: false },
    'skip-http': { type: 'boolean', default: false },
    child: { type: 'string' },
    'search-db': { type: 'string' },
    routes: { type: 'string', default: 'get,verify,register' },
    reference: { type: 'boolean', default: false },
    'no-reference': { type: 'boolean', default: false },
    'rate-get': { type: 'string' },
    'rate-verify': { type: 'string' },
  },
})

async function main() {
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-bench-server-'))
  const out = { machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, targets: {
    searchFilteredP95Ms: 50, getAssetRps: 5000, getAssetP99Ms: 25, verify1MiBRps: 300, signedRegisterRps: 500, signedRegisterP99Ms: 100,
  } }
  try {
    if (!values['skip-search']) out.search = await benchSearch(work, Number(values.rows), Number(values.queries))
    if (!values['skip-http']) out.http = await benchHttp(work, Number(values.duration))
  } finally {
    await fsp.rm(work, { recursive: true, force: true })
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
}

// --- search ----------------------------------------------------------------------------------

const pick = (r, xs) => xs[Math.floor(r() * xs.length)]
function weighted(r, pairs) {
  let x = r() * pairs.reduce((a, [, w]) => a + w, 0)
  for (const [v, w] of pairs) if ((x -= w) < 0) return v
  return pairs[pairs.length - 1][0]
}

const mediaTypes = [['image/png', 25], ['image/jpeg', 15], ['image/webp', 10], ['video/mp4', 10], ['audio/wav', 5], ['audio/mpeg', 5], ['model/gltf-binary', 5], ['text/plain', 15], ['application/vnd.safetensors', 10]]
const sourceTypes = [['trainedAlgorithmicMedia', 50], ['compositeWithTrainedAlgorithmicMedia', 10], ['digitalCapture', 20], ['digitalCreation', 10], ['algorithmicMedia', 3], ['composite', 4], ['humanEdits', 3]]
const licences = [['CC-BY-4.0', 30], ['CC0-1.0', 15], ['CC-BY-NC-4.0', 15], ['MIT', 10], ['Apache-2.0', 5], ['CC-BY-SA-4.0', 10], ['LicenseRef-studio', 5], ['custom', 10]]
const models = Array.from({ length: 50 }, (_, i) => `model-${i}`)
const sizes = [256, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192]

async function benchSearch(work, rows, queriesPerShape) {
  const { createSearchIndex, licenceFacts } = await import('@mintmark/server')
  const r = rng(42)
  const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`)
  // Zipf-like word choice: low ids are common.
  const word = () => words[Math.floor(words.length * r() ** 3)]
  const sentence = (n) => Array.from({ length: n }, word).join(' ')
  const creators = Array.from({ length: 5000 }, (_, i) => `did:key:z6Mkbench${i.toString(36).padStart(6, '0')}`)
  const start = Date.parse('2024-01-01T00:00:00Z')
  const span = 2 * 365 * 86400_000
  const dbPath = values['search-db'] ?? path.join(work, 'search.sqlite')
  const reuse = values['search-db'] !== undefined && (await fsp.stat(dbPath).then(() => true, () => false))
  const index = createSearchIndex({ path: dbPath, deferIndexes: !reuse })
  const t0 = performance.now()
  const batch = []
  for (let id = 0; id < (reuse ? 0 : rows); id++) {
    const mediaType = weighted(r, mediaTypes)
    const sourceType = weighted(r, sourceTypes)
    const ai = sourceType.includes('Algorithmic') || sourceType.includes('TrainedAlgorithmic')
    const lic = weighted(r, licences)
    const facts =
      lic === 'custom'
        ? licenceFacts({ rights: { license: { custom: { commercialUse: r() < 0.5, derivatives: r() < 0.5, aiTraining: pick(r, ['allowed', 'notAllowed', 'constrained']) } } } })
        : licenceFacts({ rights: { license: { spdx: lic } } })
    const visual = mediaType.startsWith('image/') || mediaType.startsWith('video/')
    batch.push({
      id,
      cid: `bafkrei${id.toString(32).padStart(12, '0')}${'a'.repeat(40)}`,
      mediaType,
      sourceType,
      model: ai ? pick(r, models) : null,
      creator: creators[Math.floor(creators.length * r() ** 2)],
      license: facts.license,
      commercial: facts.commercial,
      derivatives: facts.derivatives,
      aiTraining: facts.aiTraining,
      width: visual ? pick(r, sizes) : null,
      height: visual ? pick(r, sizes) : null,
      created: start + Math.floor((id / rows) * span + r() * 3600_000),
      hasParents: r() < 0.2,
      title: sentence(3),
      description: r() < 0.5 ? sentence(8) : null,
      prompt: ai && r() < 0.5 ? sentence(10) : null,
    })
    if (batch.length === 20_000) {
      index.insertRows(batch)
      batch.length = 0
    }
  }
  if (batch.length) index.insertRows(batch)
  const tInsert = performance.now()
  if (!reuse) index.finishBulkLoad()
  else rows = index.size()
  const tBuild = performance.now()

  const q = rng(7)
  const day = 86400_000
  const iso = (ms) => new Date(ms).toISOString()
  const shapes = {
    'mediaType=image/*': () => ({ mediaType: 'image' }),
    'source=ai & license': () => ({ source: 'ai', license: pick(q, ['CC-BY-4.0', 'CC0-1.0', 'MIT']) }),
    model: () => ({ model: pick(q, models) }),
    creator: () => ({ creator: creators[Math.floor(creators.length * q())] }),
    'commercial & aiTraining=allowed & minWidth': () => ({ commercialUse: true, aiTraining: 'allowed', minWidth: 2048 }),
    'image/png & min 4096x4096': () => ({ mediaType: 'image/png', minWidth: 4096, minHeight: 4096 }),
    'created week & source=human': () => {
      const a = start + Math.floor(q() * (span - 7 * day))
      return { createdAfter: iso(a), createdBefore: iso(a + 7 * day), source: 'human' }
    },
    'hasParents & composite & derivatives': () => ({ hasParents: true, source: 'composite', derivatives: true }),
    'audio & CC0 & no parents': () => ({ mediaType: 'audio', license: 'CC0-1.0', hasParents: false }),
    'model & minWidth & commercial': () => ({ model: pick(q, models), minWidth: 4096, commercialUse: true }),
    'created-asc & video': () => ({ mediaType: 'video/*', sort: 'created-asc' }),
    'page 2 (cursor) of image & ai': () => ({ mediaType: 'image', source: 'ai' }),
    'sparse: audio & minWidth (0 hits)': () => ({ mediaType: 'audio', minWidth: 100 }),
    'sparse: human & model (0 hits)': () => ({ source: 'human', model: pick(q, models) }),
    'text (FTS, relevance)': () => ({ q: `${word()} ${word()}` }),
    'text (FTS) & image, newest': () => ({ q: word(), mediaType: 'image', sort: 'created' }),
  }
  const queries = {}
  const all = []
  const filteredOnly = []
  const sparse = []
  for (const [name, make] of Object.entries(shapes)) {
    const times = []
    let hits = 0
    for (let i = 0; i < queriesPerShape; i++) {
      let query = { ...make(), limit: 20 }
      if (name.startsWith('page 2')) {
        const first = index.search(query)
        if (first.nextCursor) query = { ...query, cursor: first.nextCursor }
      }
      const t = performance.now()
      const res = index.search(query)
      times.push(performance.now() - t)
      hits += res.items.length
    }
    queries[name] = { p50Ms: round(pct(times, 50)), p95Ms: round(pct(times, 95)), maxMs: round(Math.max(...times)), avgHits: round(hits / queriesPerShape) }
    all.push(...times)
    if (name.startsWith('sparse')) sparse.push(...times)
    else if (!name.includes('FTS')) filteredOnly.push(...times)
  }
  const dbSize = (await fsp.stat(dbPath)).size
  index.close()
  return {
    rows,
    ...(reuse ? { reused: dbPath } : {}),
    insertSeconds: round((tInsert - t0) / 1000),
    indexSeconds: round((tBuild - tInsert) / 1000),
    dbBytes: dbSize,
    queriesPerShape,
    filtered: { p50Ms: round(pct(filteredOnly, 50)), p95Ms: round(pct(filteredOnly, 95)) },
    sparseZeroHit: { p50Ms: round(pct(sparse, 50)), p95Ms: round(pct(sparse, 95)) },
    allIncludingFts: { p50Ms: round(pct(all, 50)), p95Ms: round(pct(all, 95)) },
    queries,
  }
}

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]
const round = (x) => Math.round(x * 100) / 100

// --- HTTP ------------------------------------------------------------------------------------

async function benchHttp(work, duration) {
  const autocannon = (await import('autocannon')).default
  const { initHome } = await import('@mintmark/app')
  const { createApiKey } = await import('@mintmark/server')
  const { generateEd25519KeyPair } = await import('@mintmark/core')
  const home = path.join(work, 'home')
  const init = await initHome({ home })
  const token = (await createApiKey({ home, principal: init.creator, scopes: ['assets:write'] })).token
  // BENCH_SERVER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server process
  // (BENCH_REFERENCE_NODE_OPTIONS the reference's).
  const execArgv = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean)
  const child = fork(new URL(import.meta.url).pathname, ['--child', home], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
  const { url } = await firstMessage(child)
  const withReference = !values['no-reference']
  const refExecArgv = (process.env.BENCH_REFERENCE_NODE_OPTIONS ?? '').split(' ').filter(Boolean)
  const refChild = withReference ? fork(new URL(import.meta.url).pathname, ['--reference'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: refExecArgv }) : undefined
  const refUrl = refChild ? (await firstMessage(refChild)).url : undefined
  const run = (opts, target = url) =>
    new Promise((resolve, reject) => autocannon({ url: target, duration, ...opts }, (err, r) => (err ? reject(err) : resolve(r))))
  // A run with the server's CPU time per request (user + system, ms), from the child's process.cpuUsage().
  // A measured run follows a 2 s warm-up of the same requests (JIT, caches), not counted
  // (not for registration: each prepared request can be sent once).
  const measured = async (server, opts, target, warmup = true) => {
    if (warmup) await run({ ...opts, duration: 2 }, target)
    const before = await ask(server, 'cpu')
    const client = process.cpuUsage()
    const r = await run(opts, target)
    const clientUsed = process.cpuUsage(client)
    const after = await ask(server, 'cpu')
    const cpuMs = (after.user - before.user + after.system - before.system) / 1000
    const perRequest = (ms) => Math.round((ms / Math.max(1, r.requests.total)) * 1000) / 1000
    // The client's (autocannon, in this process) too: on 2 cores it competes with the server.
    return { ...summary(r), serverCpuMsPerRequest: perRequest(cpuMs), clientCpuMsPerRequest: perRequest((clientUsed.user + clientUsed.system) / 1000) }
  }
  const summary = (r) => ({
    connections: r.connections,
    seconds: r.duration,
    requests: r.requests.total,
    rps: round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    mbPerSecond: round(r.throughput.average / 1e6),
  })
  const creator = generateEd25519KeyPair()
  const signedRegistration = () => signedRegistrationOf(url, creator)
  try {
    // Seed: 200 assets to read, and one 1 MiB file to verify.
    const cids = []
    for (let i = 0; i < 200; i++) {
      const req = await signedRegistration()
      const res = await fetch(`${url}${req.path}`, { method: 'POST', body: req.body, headers: req.headers })
      if (res.status !== 201) throw new Error(`seed register: ${res.status} ${await res.text()}`)
      cids.push((await res.json()).cid)
    }
    const mib = randomBytes(1024 * 1024)
    const reg = await fetch(`${url}/v1/assets?filename=one-mib.bin`, {
      method: 'POST',
      body: mib,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'mintmark-template': Buffer.from(JSON.stringify({ digitalSourceType: 'trainedAlgorithmicMedia', license: { spdx: 'MIT' } })).toString('base64url'),
      },
    })
    if (reg.status !== 201) throw new Error(`seed upload: ${reg.status} ${await reg.text()}`)

    const want = new Set(values.routes.split(','))
    const out = { server: url }
    const reference = {}
    const ratio = {}
    // The reference answers with the bytes our server sends (fetched once here).
    if (refChild) {
      const assets = {}
      for (const cid of cids) assets[`/v1/assets/${cid}`] = Buffer.from(await (await fetch(`${url}/v1/assets/${cid}`)).arrayBuffer()).toString('base64')
      const report = await fetch(`${url}/v1/verify`, { method: 'POST', body: mib, headers: { 'content-type': 'application/octet-stream' } })
      if (report.status !== 200) throw new Error(`verify: ${report.status} ${await report.text()}`)
      const verifyBody = Buffer.from(await report.arrayBuffer()).toString('base64')
      await ask(refChild, { assets, verifyBody })
    }
    const getOpts = () => {
      let k = 0
      return { connections: 50, requests: [{ setupRequest: (r) => ({ ...r, method: 'GET', path: `/v1/assets/${cids[k++ % cids.length]}` }) }] }
    }
    const verifyOpts = () => ({ connections: 8, requests: [{ method: 'POST', path: '/v1/verify', body: mib, headers: { 'content-type': 'application/octet-stream' } }] })
    // Ours, then the reference, back to back: the same machine state for both.
    const both = async (name, opts, rate) => {
      out[name] = await measured(child, opts())
      if (refChild) reference[name] = await measured(refChild, opts(), refUrl)
      if (rate) {
        out[name].atRate = await measured(child, { ...opts(), overallRate: rate })
        if (refChild) reference[name].atRate = await measured(refChild, { ...opts(), overallRate: rate }, refUrl)
      }
      if (!refChild) return
      ratio[name] = {
        rps: round(out[name].rps / reference[name].rps),
        p99: round(out[name].p99Ms / Math.max(1, reference[name].p99Ms)),
        serverCpuPerRequest: round(out[name].serverCpuMsPerRequest / reference[name].serverCpuMsPerRequest),
        ...(rate ? { serverCpuPerRequestAtRate: round(out[name].atRate.serverCpuMsPerRequest / reference[name].atRate.serverCpuMsPerRequest) } : {}),
      }
    }
    if (want.has('get')) await both('getAsset', getOpts, Number(values['rate-get'] ?? 0))
    if (want.has('verify')) await both('verify1MiB', verifyOpts, Number(values['rate-verify'] ?? 0))
    if (refChild) Object.assign(out, { reference, ratio })
    if (want.has('register')) out.signedRegister = await benchRegister()
    out.logSizeAfter = (await (await fetch(`${url}/healthz`)).json()).logSize
    return out
  } finally {
    for (const c of [child, refChild].filter(Boolean)) {
      c.send('close')
      await new Promise((r) => c.once('exit', r))
    }
  }

  // Signed registrations: each request is unique (statement, nonce); made before the run.
  async function benchRegister() {
    const n = Math.max(2000, Math.ceil(duration * 1000))
    const t0 = performance.now()
    const prepared = []
    for (let i = 0; i < n; i++) prepared.push(await signedRegistration())
    const prepareSeconds = (performance.now() - t0) / 1000
    let next = 0
    const register = await measured(
      child,
      { connections: 20, amount: n, requests: [{ setupRequest: (r) => ({ ...r, ...prepared[next++ % prepared.length] }) }] },
      url,
      false,
    )
    return { ...register, prepared: n, prepareSeconds: round(prepareSeconds) }
  }
}

function firstMessage(child) {
  return new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)))
  })
}

/** Sends a request to a child and waits for its `{reply}` message. */
function ask(child, request) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m && typeof m === 'object' && 'reply' in m) {
        child.off('message', on)
        resolve(m.reply)
      }
    }
    child.on('message', on)
    child.send(request)
  })
}

/** What both children answer besides their own messages: their CPU time, and close. */
function childMessages(close, other = () => undefined) {
  process.on('message', async (m) => {
    if (m === 'cpu') process.send({ reply: process.cpuUsage() })
    else if (m === 'close') {
      await close()
      process.exit(0)
    } else process.send({ reply: other(m) ?? null })
  })
}

if (values.reference) {
  // The reference: plain node:http, no framework, no store. The GETs answer the same bytes as our
  // server; the POST reads the whole body to memory and SHA-256es it twice (what a CID + SHA-256
  // over a 1 MiB single-pass body cannot go below), then answers with our verify report's bytes.
  const http = await import('node:http')
  const { createHash } = await import('node:crypto')
  let assets = new Map()
  let verifyBody = Buffer.from('{}')
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (req.method === 'GET') {
      const body = assets.get(req.url)
      if (!body) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body)
      return
    }
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const bytes = Buffer.concat(chunks)
      createHash('sha256').update(bytes).digest()
      createHash('sha256').update(bytes).digest()
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': verifyBody.length }).end(verifyBody)
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  process.send({ url: `http://127.0.0.1:${server.address().port}` })
  childMessages(
    () => new Promise((r) => {
      server.close(r)
      server.closeAllConnections()
    }),
    (m) => {
      assets = new Map(Object.entries(m.assets).map(([k, v]) => [k, Buffer.from(v, 'base64')]))
      verifyBody = Buffer.from(m.verifyBody, 'base64')
      return true
    },
  )
} else if (values.child) {
  // The server under test, in its own process (autocannon gets the other core).
  const { startServer } = await import('@mintmark/server')
  const big = { burst: 1e9, perSecond: 1e9 }
  const server = await startServer({
    home: values.child,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    rateLimits: { read: big, heavyRead: big, search: big, verify: big, write: big, meta: big },
  })
  process.send?.({ url: server.url })
  childMessages(() => server.close())
} else {
  await main()
}

#!/usr/bin/env node
// Issue 5: fingerprint lookup through the SQLite store the app uses, beside the in-memory backend.
// Prints one JSON document.
//
// Builds (or reuses, from --cache) a SQLite store (the real schema: createSqliteStore's
// migrations) holding --images filler images with 4 fingerprints each as register stores them:
// `pdq` of the image and of its 5% and 10% centre crops (near variants of the image's hash: 40–60
// and 80–110 bits away, what PDQ moves for those crops), and `pdq-equalised` of its equalised
// luma. The filler is bulk-written in the store's bucket format in a few big transactions (key
// order, each bucket once); the bench then checks through the store that a sample of filler hashes
// is found at distance 0, so a format drift fails the run instead of measuring nothing. Then --real
// real and generated images are registered through the store's own path (`fingerprintImage` +
// `addFingerprints`).
//
// Lookups go through `storeImageIndexes(store)` (what `verifyFile` uses, without the dihedral
// variants: one image lookup = its PDQ hash in `pdq` + its equalised hash in `pdq-equalised`), and
// through media's in-memory backend holding the same hashes, query by query in the same run.
// Queries: JPEG q70, resize 50%, centred crop 5%, brightness ±10% copies of the real images
// (recall; target ≥ 0.95) and --queries random probes. Target p99 ≤ 10 ms.
// Usage: npx tsc -b && node bench/fingerprint-index.mjs [--images 1000000] [--real 300] [--queries 2000] [--cache /tmp] [--no-cache]
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import sharp from 'sharp'
import { rng32 as rng, syntheticImage } from './synthetic.mjs'
import { fingerprintImage, storeImageIndexes } from '../packages/app/dist/index.js'
import { createFingerprintIndex, createMemoryFingerprintBackend, imageFingerprintAlgorithms, imageLookupHashes, queryImageFingerprints } from '../packages/media/dist/index.js'
import { createSqliteStore } from '../packages/storage/dist/index.js'

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1000000' },
    real: { type: 'string', default: '300' },
    queries: { type: 'string', default: '2000' },
    cache: { type: 'string', default: os.tmpdir() },
    'no-cache': { type: 'boolean', default: false },
  },
})
const imageCount = Number(values.images)
const realCount = Number(values.real)
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const testdata = path.resolve(repoRoot, '..', 'shared', 'testdata')
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((xs.length * p) / 100) - 1))]
const round = (v) => Math.round(v * 1000) / 1000
const now = () => performance.now()
const log = (msg) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`)

/** The filler's hashes, deterministic: 4 per image (pdq, crop 5%, crop 10%, equalised), 32 bytes each. */
function fillerHashes(n) {
  const next = rng(20261122)
  const out = new Uint8Array(n * 4 * 32)
  const flip = (dst, count) => {
    const seen = new Set()
    while (seen.size < count) {
      const b = next() & 255
      if (seen.has(b)) continue
      seen.add(b)
      out[dst + (b >> 3)] ^= 1 << (b & 7)
    }
  }
  for (let i = 0; i < n; i++) {
    const base = i * 128
    for (let k = 0; k < 32; k += 4) {
      const w = next()
      out[base + k] = w >>> 24
      out[base + k + 1] = (w >>> 16) & 255
      out[base + k + 2] = (w >>> 8) & 255
      out[base + k + 3] = w & 255
    }
    out.copyWithin(base + 32, base, base + 32)
    flip(base + 32, 40 + (next() % 21))
    out.copyWithin(base + 64, base, base + 32)
    flip(base + 64, 80 + (next() % 31))
    for (let k = 96; k < 128; k++) out[base + k] = next() & 255
  }
  return out
}
const algorithmOfRow = (r) => (r === 3 ? 'pdq-equalised' : 'pdq')
const fillerCid = (i) => `bafkbenchfiller${String(i).padStart(9, '0')}`

/**
 * Writes the filler into a fresh store: entries and assets rows, fingerprint rows (ids 4i+1..4i+4),
 * and the buckets in key order (counting sort per algorithm and chunk), each bucket once. The
 * bucket format is fingerprint-buckets.ts's: 32 hash bytes + uint32 LE id per entry.
 */
function buildStore(file, hashes, n) {
  rmSync(file, { force: true })
  createSqliteStore({ path: file }).close() // the real schema, all migrations
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  const insEntry = db.prepare("INSERT INTO entries (idx, leaf_hash, data, statement_hash, kind, asset_cid, creator, created_at) VALUES (?, ?, ?, ?, 'register', ?, 'did:key:bench', '2026-11-22T00:00:00Z')")
  const insAsset = db.prepare("INSERT INTO assets (cid, sha256, size, media_type, first_entry) VALUES (?, ?, 1, 'image/jpeg', ?)")
  const insFp = db.prepare('INSERT INTO fingerprints (id, asset_cid, algorithm, hash, quality) VALUES (?, ?, ?, ?, 90)')
  const batch = 100_000
  for (let start = 0; start < n; start += batch) {
    db.transaction(() => {
      const sh = Buffer.alloc(32)
      for (let i = start; i < Math.min(n, start + batch); i++) {
        const cid = fillerCid(i)
        sh.writeUInt32BE(i, 0)
        insEntry.run(i, sh, Buffer.from(cid), sh, cid)
        insAsset.run(cid, 'ab', i)
        for (let r = 0; r < 4; r++) insFp.run(4 * i + r + 1, cid, algorithmOfRow(r), hashes.subarray((4 * i + r) * 32, (4 * i + r + 1) * 32))
      }
    })()
    log(`filler rows ${Math.min(n, start + batch)}/${n}`)
  }
  const algoNo = (name) => {
    db.prepare('INSERT INTO fingerprint_algorithms (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name)
    return db.prepare('SELECT no FROM fingerprint_algorithms WHERE name = ?').pluck().get(name)
  }
  const insBucket = db.prepare('INSERT INTO fingerprint_buckets (bucket, entries) VALUES (?, ?)')
  for (const [name, rows] of [['pdq', [0, 1, 2]], ['pdq-equalised', [3]]]) {
    const no = algoNo(name)
    const count = n * rows.length
    const rowOf = (e) => 4 * Math.floor(e / rows.length) + rows[e % rows.length]
    for (let c = 0; c < 16; c++) {
      const offsets = new Uint32Array(65537)
      const value = (e) => {
        const o = rowOf(e) * 32 + 2 * c
        return (hashes[o] << 8) | hashes[o + 1]
      }
      for (let e = 0; e < count; e++) offsets[value(e) + 1]++
      for (let v = 0; v < 65536; v++) offsets[v + 1] += offsets[v]
      const fill = offsets.slice(0, 65536)
      const order = new Int32Array(count)
      for (let e = 0; e < count; e++) order[fill[value(e)]++] = e
      db.transaction(() => {
        for (let v = 0; v < 65536; v++) {
          const from = offsets[v]
          const to = offsets[v + 1]
          if (from === to) continue
          const blob = Buffer.allocUnsafe((to - from) * 36)
          for (let p = from; p < to; p++) {
            const row = rowOf(order[p])
            const o = (p - from) * 36
            blob.set(hashes.subarray(row * 32, row * 32 + 32), o)
            blob.writeUInt32LE(row + 1, o + 32)
          }
          insBucket.run(no * 0x100000 + c * 0x10000 + v, blob)
        }
      })()
    }
    log(`buckets ${name} done`)
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('bench_filler_images', ?)").run(String(n))
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

const result = { bench: 'fingerprint-index', cpus: os.cpus().length, loadavg_start: os.loadavg().map(round), node: process.version }

// 1. The store.
const hashes = fillerHashes(imageCount)
const file = path.join(values.cache, `mintmark-bench-fingerprints-${imageCount}.v5.sqlite`)
let t = now()
let cached = false
if (!values['no-cache'] && existsSync(file)) {
  const db = new Database(file, { readonly: true })
  cached = db.prepare("SELECT value FROM meta WHERE key = 'bench_filler_images'").pluck().get() === String(imageCount)
  db.close()
}
if (!cached) {
  const tmp = `${file}.building`
  buildStore(tmp, hashes, imageCount)
  rmSync(`${tmp}-wal`, { force: true })
  rmSync(`${tmp}-shm`, { force: true })
  renameSync(tmp, file)
}
result.store = { file, cached, build_ms: cached ? 0 : Math.round(now() - t), file_mb: Math.round(statSync(file).size / 1e6) }
const store = createSqliteStore({ path: file })
const indexes = storeImageIndexes(store)

// Format guard: sample filler hashes must come back from the store at distance 0.
{
  const next = rng(7)
  for (let k = 0; k < 50; k++) {
    const i = next() % imageCount
    const r = next() % 4
    const hex = Buffer.from(hashes.subarray((4 * i + r) * 32, (4 * i + r + 1) * 32)).toString('hex')
    const got = await indexes[algorithmOfRow(r)].query(hex, { maxDistance: 0 })
    if (!got.some((m) => m.id === fillerCid(i) && m.distance === 0)) throw new Error(`filler image ${i} row ${r} not found through the store`)
  }
}

// 2. The same hashes in media's in-memory backend.
t = now()
const rss0 = process.memoryUsage().rss
const rowsPerImage = { pdq: 3, 'pdq-equalised': 1 }
const memory = Object.fromEntries(
  imageFingerprintAlgorithms.map((a) => [a, createFingerprintIndex({ backend: createMemoryFingerprintBackend({ initialCapacity: (imageCount + realCount) * rowsPerImage[a] + 1024 }) })]),
)
for (let i = 0; i < imageCount; i++) {
  for (let r = 0; r < 4; r++) await memory[algorithmOfRow(r)].add(fillerCid(i), Buffer.from(hashes.subarray((4 * i + r) * 32, (4 * i + r + 1) * 32)).toString('hex'))
}
result.memory_backend = { build_ms: Math.round(now() - t), rss_growth_mb: Math.round((process.memoryUsage().rss - rss0) / 1e6) }

// 3. Real and generated images, registered through the store's path.
const originals = []
for (const dir of ['pdq', 'c2pa']) {
  for (const f of readdirSync(path.join(testdata, dir)).filter((f) => /\.(jpe?g|png)$/.test(f) && !f.startsWith('bridge-') && f !== 'wee.jpg')) {
    originals.push([`real-${dir}-${f}`, new Uint8Array(readFileSync(path.join(testdata, dir, f)))])
  }
}
originals.push(['real-pdq-bridge-1-original.jpg', new Uint8Array(readFileSync(path.join(testdata, 'pdq', 'bridge-1-original.jpg')))])
const realFiles = originals.length
for (let i = 0; originals.length < realCount; i++) originals.push([`gen${i}`, await syntheticImage(1000 + i, 384 + (i % 5) * 64, 320 + (i % 3) * 64)])
{
  const db = new Database(file)
  const base = imageCount + 1_000_000
  const insEntry = db.prepare(
    "INSERT OR IGNORE INTO entries (idx, leaf_hash, data, statement_hash, kind, asset_cid, creator, created_at) VALUES (?, ?, ?, ?, 'register', ?, 'did:key:bench', '2026-11-22T00:00:00Z')",
  )
  const insAsset = db.prepare("INSERT OR IGNORE INTO assets (cid, sha256, size, media_type, first_entry) VALUES (?, 'ab', 1, 'image/jpeg', ?)")
  db.transaction(() => {
    originals.forEach(([id], k) => {
      const sh = Buffer.alloc(32)
      sh.writeUInt32BE(base + k, 0)
      sh.write('real', 4)
      insEntry.run(base + k, sh, Buffer.from(id), sh, `bafkbench${id}`)
      insAsset.run(`bafkbench${id}`, base + k)
    })
  })()
  db.close()
}
const rows = []
for (const [id, bytes] of originals) {
  const fingerprints = await fingerprintImage(bytes, 'image/jpeg')
  for (const f of fingerprints) {
    rows.push({ assetCid: `bafkbench${id}`, fingerprint: f })
    await memory[f.algorithm].add(`bafkbench${id}`, Buffer.from(f.hash).toString('hex'))
  }
}
const added = store.addFingerprints(rows)

// 4. Queries: transformed copies (recall) and random probes, hashed before any lookup is timed.
const crop = async (b, left, top, right, bottom) => {
  const m = await sharp(b).metadata()
  const l = Math.round((m.width * left) / 100)
  const tp = Math.round((m.height * top) / 100)
  return sharp(b)
    .extract({ left: l, top: tp, width: m.width - l - Math.round((m.width * right) / 100), height: m.height - tp - Math.round((m.height * bottom) / 100) })
    .toBuffer()
}
const transforms = {
  'jpeg q70': (b) => sharp(b).jpeg({ quality: 70 }).toBuffer(),
  'resize 50%': async (b) => sharp(b).resize({ width: Math.max(8, Math.round((await sharp(b).metadata()).width / 2)) }).toBuffer(),
  'crop 5%': (b) => crop(b, 2.5, 2.5, 2.5, 2.5),
  'brightness +10%': (b) => sharp(b).modulate({ brightness: 1.1 }).toBuffer(),
  'brightness -10%': (b) => sharp(b).modulate({ brightness: 0.9 }).toBuffer(),
}
const cases = []
for (const [name, apply] of Object.entries(transforms)) {
  for (const [id, bytes] of originals) cases.push({ name, id: `bafkbench${id}`, queries: (await imageLookupHashes(new Uint8Array(await apply(bytes)))).queries })
}
const probe = rng(99)
const randomHex = () => Array.from({ length: 8 }, () => probe().toString(16).padStart(8, '0')).join('')
for (let i = 0; i < Number(values.queries); i++) cases.push({ name: 'random', queries: { pdq: randomHex(), 'pdq-equalised': randomHex() } })

// 5. Lookups, each case through both backends back to back (alternating which goes first).
const timing = { sqlite: { ms: [], cpu_us: 0 }, memory: { ms: [], cpu_us: 0 } }
const found = { sqlite: {}, memory: {} }
const differ = []
for (let pass = 0; pass < 2; pass++) {
  // Pass 0 warms both (JIT, page cache) and is not timed.
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k]
    const order = k % 2 ? ['memory', 'sqlite'] : ['sqlite', 'memory']
    const got = {}
    for (const which of order) {
      const cpu = process.cpuUsage()
      const start = now()
      const matches = await queryImageFingerprints(which === 'sqlite' ? indexes : memory, c.queries)
      const ms = now() - start
      const used = process.cpuUsage(cpu)
      if (pass === 1) {
        timing[which].ms.push(ms)
        timing[which].cpu_us += used.user + used.system
      }
      got[which] = matches
    }
    if (pass === 1) {
      if (JSON.stringify(got.sqlite) !== JSON.stringify(got.memory) && differ.length < 5) differ.push({ case: c.name, id: c.id, sqlite: got.sqlite.length, memory: got.memory.length })
      if (c.name !== 'random') {
        for (const which of ['sqlite', 'memory']) {
          const byName = (found[which][c.name] ??= { hit: 0, total: 0 })
          byName.total++
          if (got[which].some((m) => m.id === c.id)) byName.hit++
        }
      }
    }
  }
}
const summary = (which) => {
  const { ms, cpu_us } = timing[which]
  const recallBy = Object.fromEntries(Object.entries(found[which]).map(([k, v]) => [k, round(v.hit / v.total)]))
  const hit = Object.values(found[which]).reduce((a, v) => a + v.hit, 0)
  const total = Object.values(found[which]).reduce((a, v) => a + v.total, 0)
  return { lookup_p50_ms: round(pct(ms, 50)), lookup_p99_ms: round(pct(ms, 99)), lookup_max_ms: round(Math.max(...ms)), cpu_ms_per_lookup: round(cpu_us / ms.length / 1000), lookups: ms.length, recall: round(hit / total), recall_by_transform: recallBy }
}
result.images = imageCount
result.fingerprints = { pdq: store.fingerprintCount('pdq'), 'pdq-equalised': store.fingerprintCount('pdq-equalised'), real_images: realFiles, generated_images: originals.length - realFiles, real_rows_added_this_run: added }
result.sqlite = summary('sqlite')
result.memory = summary('memory')
result.p99_ratio_sqlite_over_memory = round(result.sqlite.lookup_p99_ms / result.memory.lookup_p99_ms)
result.results_differ = differ
result.targets = { lookup_p99_ms: 10, recall: 0.95 }
result.loadavg_end = os.loadavg().map(round)
store.close()
console.log(JSON.stringify(result, null, 2))

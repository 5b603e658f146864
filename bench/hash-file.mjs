// Throughput of hashFile (CIDv1 + whole-file SHA-256 in one streaming pass) against `sha256sum`
// on the same 1 GiB file, page cache warm, alternating runs. Prints one JSON object.
//
//   npx tsc -b && node bench/hash-file.mjs [--profile unixfs-v1-2025|kubo-v1] [--runs 3]
//
// Env: MINTMARK_BENCH_FILE (default $TMPDIR/mintmark-bench-1gib.bin, created once and reused),
// MINTMARK_BENCH_BYTES (default 1073741824), MINTMARK_HASH_FILE_MODULE (module exporting hashFile;
// default the built packages/storage/dist/fs/hash-file.js).
import { spawnSync } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { profile: { type: 'string', default: 'unixfs-v1-2025' }, runs: { type: 'string', default: '3' } } })
const bytes = Number(process.env.MINTMARK_BENCH_BYTES ?? 1024 * 1024 * 1024)
const path = process.env.MINTMARK_BENCH_FILE ?? join(tmpdir(), `mintmark-bench-${bytes}.bin`)
const moduleUrl = process.env.MINTMARK_HASH_FILE_MODULE
  ? pathToFileURL(resolve(process.env.MINTMARK_HASH_FILE_MODULE)).href
  : new URL('../packages/storage/dist/fs/hash-file.js', import.meta.url).href
const { hashFile } = await import(moduleUrl)
const piece = 4 * 1024 * 1024

function ensureFile() {
  try {
    if (statSync(path).size === bytes) return
  } catch {}
  // Incompressible bytes: the ChaCha20 keystream of a fixed key.
  const cipher = createCipheriv('chacha20', createHash('sha256').update('mintmark-bench').digest(), Buffer.alloc(16))
  const zeros = Buffer.alloc(piece)
  const fd = openSync(path, 'w')
  for (let off = 0; off < bytes; off += piece) writeSync(fd, cipher.update(zeros.subarray(0, Math.min(piece, bytes - off))))
  closeSync(fd)
}

function warmCache() {
  const fd = openSync(path, 'r')
  const buf = Buffer.allocUnsafe(piece)
  while (readSync(fd, buf, 0, piece, null) > 0);
  closeSync(fd)
}

function timeSha256sum() {
  const start = process.hrtime.bigint()
  const out = spawnSync('sha256sum', [path], { encoding: 'utf8' })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (out.status !== 0) throw new Error(`sha256sum failed: ${out.stderr}`)
  return { seconds, sha256: out.stdout.split(' ')[0] }
}

async function timeHashFile() {
  const start = process.hrtime.bigint()
  const result = await hashFile(path, { profile: values.profile })
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d

ensureFile()
warmCache()
const runs = []
let cid
for (let i = 0; i < Number(values.runs); i++) {
  const reference = timeSha256sum()
  const ours = await timeHashFile()
  if (ours.result.sha256 !== reference.sha256) throw new Error(`sha256 mismatch: ${ours.result.sha256} != ${reference.sha256}`)
  cid = ours.result.cid
  runs.push({ sha256sum_s: round(reference.seconds, 3), mintmark_s: round(ours.seconds, 3) })
}
const sha256sumMBps = bytes / 1e6 / median(runs.map((r) => r.sha256sum_s))
const mintmarkMBps = bytes / 1e6 / median(runs.map((r) => r.mintmark_s))
console.log(
  JSON.stringify({
    bytes,
    profile: values.profile,
    sha256sum_MBps: round(sha256sumMBps),
    mintmark_MBps: round(mintmarkMBps),
    ratio: round(mintmarkMBps / sha256sumMBps, 2),
    cid,
    runs,
  }),
)

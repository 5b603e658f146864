// Put and get throughput of the S3 blob store against s3rver (a local S3-protocol server, in a
// child process on 127.0.0.1), side by side with the filesystem blob store, in the same run on
// the same files. Prints one JSON object. MB/s = 10^6 bytes per second, wall clock.
//
//   npx tsc -b packages/storage && node bench/s3-blobs.mjs [--small 32] [--large 3] [--runs 1]
//
// --small: number of 1 MiB blobs; --large: number of 64 MiB blobs; --runs: repetitions (median).
// put = putFile from a file on disk (hash, then upload / copy; durable when it returns);
// get = get() (the whole blob in memory, re-hashed); stream = stream() to a sink (S3 only).
// s3rver writes to a temporary directory on the same disk as the fs store, so both pay for disk
// writes; s3rver also rewrites a multipart object once when it completes the upload.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const { values } = parseArgs({ options: { small: { type: 'string', default: '32' }, large: { type: 'string', default: '3' }, runs: { type: 'string', default: '1' } } })
const mib = 1024 * 1024
const { createFsBlobStore } = await import(new URL('../packages/storage/dist/index.js', import.meta.url).href)
const { createS3BlobStore } = await import(new URL('../packages/storage/dist/s3/index.js', import.meta.url).href)
const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3')

const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-bench-s3-'))
const server = await startS3rver(path.join(work, 's3rver'))
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
const endpoint = `http://127.0.0.1:${server.port}`

try {
  const results = []
  for (const [label, size, count] of [
    ['1 MiB', mib, Number(values.small)],
    ['64 MiB', 64 * mib, Number(values.large)],
  ]) {
    for (const store of ['fs', 's3']) results.push({ store, blob: label, count, ...(await measure(store, size, count, Number(values.runs))) })
  }
  console.log(
    JSON.stringify(
      {
        bench: 's3-blobs',
        node: process.version,
        cpus: os.cpus().length,
        server: 's3rver 3.7.1 in a child process on 127.0.0.1',
        s3: { partSize: '8 MiB (default)', queueSize: 2 },
        unit: 'MB/s (10^6 bytes/s), median of runs',
        results,
      },
      null,
      2,
    ),
  )
} finally {
  server.stop()
  await fsp.rm(work, { recursive: true, force: true })
}

/** Times putFile and get (and, for S3, stream) over `count` fresh random blobs of `size` bytes. */
async function measure(kind, size, count, runs) {
  const samples = { put: [], get: [], stream: [] }
  for (let run = 0; run < runs; run++) {
    const dir = path.join(work, `${kind}-${size}-${run}`)
    await fsp.mkdir(dir, { recursive: true })
    const files = []
    for (let i = 0; i < count; i++) {
      const file = path.join(dir, `src-${i}.bin`)
      const fh = await fsp.open(file, 'w')
      for (let w = 0; w < size; w += mib) await fh.write(randomBytes(Math.min(mib, size - w)))
      await fh.close()
      files.push(file)
    }
    let store
    let bucketClient
    if (kind === 'fs') store = createFsBlobStore({ root: path.join(dir, 'store') })
    else {
      const bucket = `bench-${size}-${run}`
      bucketClient = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
      await bucketClient.send(new CreateBucketCommand({ Bucket: bucket }))
      store = createS3BlobStore({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
    }
    const bytes = size * count
    let t = performance.now()
    const cids = []
    for (const file of files) cids.push((await store.putFile(file)).cid)
    samples.put.push(rate(bytes, t))
    t = performance.now()
    for (const cid of cids) if ((await store.get(cid)).length !== size) throw new Error('short read')
    samples.get.push(rate(bytes, t))
    if (kind === 's3') {
      t = performance.now()
      for (const cid of cids) await pipeline(await store.stream(cid), new Writable({ write: (_c, _e, cb) => cb() }))
      samples.stream.push(rate(bytes, t))
    }
    store.close()
    bucketClient?.destroy()
    await fsp.rm(dir, { recursive: true, force: true })
  }
  return {
    put_MBps: median(samples.put),
    get_MBps: median(samples.get),
    ...(samples.stream.length ? { stream_MBps: median(samples.stream) } : {}),
  }
}

function rate(bytes, start) {
  return bytes / 1e6 / ((performance.now() - start) / 1000)
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const value = sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
  return Math.round((value ?? 0) * 10) / 10
}

/** s3rver in a child process (so its CPU is not the client's), on a free loopback port. */
async function startS3rver(directory) {
  const s3rverPath = createRequire(new URL('../packages/storage/package.json', import.meta.url)).resolve('s3rver')
  const script = `
    const S3rver = require(${JSON.stringify(s3rverPath)})
    new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(directory)} })
      .run().then(({ port }) => process.stdout.write(port + '\\n'))
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)))
    child.stdout.once('data', (data) => resolve(Number(String(data).trim())))
  })
  return { port, stop: () => child.kill() }
}

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import type { IncomingMessage, Server } from 'node:http'
import { createRequire } from 'node:module'
import { type Socket, createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { inspect } from 'node:util'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { type ContentId, hashBytes } from '@mintmark/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeBlobStore } from '../conformance/blob-store-suite.js'
import { hashFile } from '../fs/hash-file.js'
import { createS3BlobStore, type S3BlobStoreOptions } from './index.js'

// The SDK warns once per process that its 2027 releases will need Node 22; not this test's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

type S3rverInstance = { run(): Promise<{ port: number }>; close(): Promise<void>; httpServer: Server }
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance

const mib = 1024 * 1024
// s3rver's built-in account; it checks the access key id (and, for SigV4, nothing more).
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

let server: S3rverInstance
let endpoint: string
let dataDir: string
let raw: S3Client
/** Every request the server received, in order. */
const requests: { method: string; url: string }[] = []
let bucketCount = 0

beforeAll(async () => {
  dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-s3rver-'))
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(dataDir, 'server') })
  const { port } = await server.run()
  server.httpServer.on('request', (req: IncomingMessage) => requests.push({ method: req.method ?? '', url: req.url ?? '' }))
  endpoint = `http://127.0.0.1:${port}`
  raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
})

afterAll(async () => {
  raw?.destroy()
  await server?.close()
  await fsp.rm(dataDir, { recursive: true, force: true })
})

async function newBucket(): Promise<string> {
  const bucket = `blobs-${++bucketCount}`
  await raw.send(new CreateBucketCommand({ Bucket: bucket }))
  return bucket
}

function storeOptions(bucket: string, extra: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions {
  return { bucket, endpoint, region: 'us-east-1', forcePathStyle: true, credentials, ...extra }
}

/** Requests made while `fn` runs. */
async function recordRequests<T>(fn: () => Promise<T>): Promise<{ result: T; seen: { method: string; url: string }[] }> {
  const from = requests.length
  const result = await fn()
  return { result, seen: requests.slice(from) }
}
const uploadParts = (seen: { method: string; url: string }[]) => seen.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url))
const multipartStarts = (seen: { method: string; url: string }[]) => seen.filter((r) => r.method === 'POST' && /[?&]uploads\b/.test(r.url))
const multipartCompletes = (seen: { method: string; url: string }[]) => seen.filter((r) => r.method === 'POST' && /[?&]uploadId=/.test(r.url))

async function listKeys(bucket: string): Promise<string[]> {
  const out = await raw.send(new ListObjectsV2Command({ Bucket: bucket }))
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort()
}

/** Writes `bytes` of random content in 1 MiB pieces, so the test itself never holds the file. */
async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const fh = await fsp.open(file, 'w')
  try {
    for (let written = 0; written < bytes; written += mib) await fh.write(randomBytes(Math.min(mib, bytes - written)))
  } finally {
    await fh.close()
  }
}

// Memory is sampled after a full collection. Without it RSS grows by up to ~64 MiB of dead part
// buffers whatever the upload keeps alive: V8 collects the small objects that own Buffers rarely
// when little else is allocated, and then on ~64 MiB of new external memory.
v8.setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

/** Peak growth of RSS and of memory held in Buffers while `fn` runs, sampled every 500 ms after a collection. */
async function peakMemoryGrowth(fn: () => Promise<unknown>): Promise<{ rss: number; buffers: number }> {
  collectGarbage()
  const base = process.memoryUsage()
  const peak = { rss: 0, buffers: 0 }
  const timer = setInterval(() => {
    collectGarbage()
    const now = process.memoryUsage()
    peak.rss = Math.max(peak.rss, now.rss - base.rss)
    peak.buffers = Math.max(peak.buffers, now.arrayBuffers - base.arrayBuffers)
  }, 500)
  try {
    await fn()
  } finally {
    clearInterval(timer)
  }
  return peak
}
const inMiB = (bytes: number) => `${(bytes / mib).toFixed(1)} MiB`

/** s3rver in a child process, so that the server's memory is not counted as the store's. */
async function startChildS3rver(directory: string): Promise<{ endpoint: string; stop(): void }> {
  const script = `
    const S3rver = require(${JSON.stringify(createRequire(import.meta.url).resolve('s3rver'))})
    new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: ${JSON.stringify(directory)} })
      .run().then(({ port }) => process.stdout.write(port + '\\n'))
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)))
    child.stdout.once('data', (data) => resolve(Number(String(data).trim())))
  })
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() }
}

// First in the file: memory that earlier tests freed but the allocator kept would absorb growth.
describe('s3 blob store memory', () => {
  // 128 MiB rather than 64: RSS moves by tens of MiB for reasons of its own (the SDK's lazily
  // loaded modules, V8's young generation growing, allocator slack), so at 64 MiB a process that
  // holds the whole file could look no bigger than one that streams it. Measured on the 2-core VM
  // under load, five runs: streaming upload RSS +59 to +63 MiB (Buffers +27 to +44), streaming read
  // Buffers +1 to +34 MiB; reading the file whole for putBytes RSS +127 to +129 MiB, get() instead
  // of stream() Buffers +124 to +127 MiB. (RSS misses get()'s one large buffer between samples;
  // the Buffers figure does not.)
  it('uploading a 128 MiB file and streaming it back keep memory bounded', async () => {
    const child = await startChildS3rver(path.join(dataDir, 'child-server'))
    const store = createS3BlobStore(storeOptions('large-blobs', { endpoint: child.endpoint }))
    try {
      const childClient = new S3Client({ endpoint: child.endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
      await childClient.send(new CreateBucketCommand({ Bucket: 'large-blobs' }))
      childClient.destroy()
      const file = path.join(dataDir, 'large.bin')
      const size = 128 * mib
      await writeRandomFile(file, size)
      let cid: ContentId | undefined
      const up = await peakMemoryGrowth(async () => {
        cid = (await store.putFile(file)).cid
      })
      await fsp.rm(file)
      let streamed = 0
      const down = await peakMemoryGrowth(async () =>
        pipeline(
          await store.stream(cid as ContentId),
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              streamed += chunk.length
              callback()
            },
          }),
        ),
      )
      expect(streamed).toBe(size)
      const shown = (g: { rss: number; buffers: number }) => `RSS +${inMiB(g.rss)}, Buffers +${inMiB(g.buffers)}`
      // Bounded by about (queueSize + 2) × partSize (8 MiB parts, two in flight) plus fixed costs.
      expect(up.rss, `upload: ${shown(up)}`).toBeLessThan(96 * mib)
      expect(up.buffers, `upload: ${shown(up)}`).toBeLessThan(96 * mib)
      expect(down.buffers, `stream: ${shown(down)}`).toBeLessThan(96 * mib)
    } finally {
      store.close()
      child.stop()
    }
  })
})

describeBlobStore('s3 (s3rver)', {
  streams: true,
  make: async () => {
    const bucket = await newBucket()
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-s3-suite-'))
    const store = createS3BlobStore(storeOptions(bucket))
    return {
      store,
      dir,
      reopen: () => createS3BlobStore(storeOptions(bucket)),
      // Overwrites the object through the S3 API, as a faulty replica or an operator would.
      corrupt: async (cid: ContentId) => {
        const Key = store.keyOf(cid)
        const got = await raw.send(new GetObjectCommand({ Bucket: bucket, Key }))
        const bytes = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray())
        bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x01
        await raw.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bytes }))
      },
      cleanup: async () => {
        store.close()
        await fsp.rm(dir, { recursive: true, force: true })
      },
    }
  },
})

describe('s3 blob store against s3rver', () => {
  let dir: string
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-s3-'))
  })
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true })
  })

  it('uploads a file over 5 MiB as a real multipart upload (several parts) to blobs/<cid> and leaves no other object', async () => {
    const bucket = await newBucket()
    const store = createS3BlobStore(storeOptions(bucket, { partSize: 5 * mib }))
    const file = path.join(dir, 'twelve.bin')
    await writeRandomFile(file, 12 * mib + 5)
    const { result, seen } = await recordRequests(() => store.putFile(file))
    expect(result).toMatchObject({ ...(await hashFile(file)), stored: true })
    expect(multipartStarts(seen)).toHaveLength(1)
    expect(uploadParts(seen)).toHaveLength(3) // 5 + 5 + 2 MiB
    expect(multipartCompletes(seen)).toHaveLength(1)
    expect(await listKeys(bucket)).toEqual([`blobs/${result.cid}`])
    expect(await store.verify(result.cid)).toBe(true)
    store.close()
  })

  it('putting a CID that is already stored sends no bytes', async () => {
    const bucket = await newBucket()
    const store = createS3BlobStore(storeOptions(bucket, { partSize: 5 * mib }))
    const file = path.join(dir, 'again.bin')
    await writeRandomFile(file, 6 * mib)
    const first = await store.putFile(file)
    const other = createS3BlobStore(storeOptions(bucket))
    const { result, seen } = await recordRequests(async () => [await store.putFile(file), await other.putFile(file)])
    expect(result).toEqual([
      { ...first, stored: false },
      { ...first, stored: false },
    ])
    expect(seen.map((r) => r.method)).toEqual(['HEAD', 'HEAD'])
    store.close()
    other.close()
  })

  it('concurrent puts of one CID in one store make one upload', async () => {
    const bucket = await newBucket()
    const store = createS3BlobStore(storeOptions(bucket, { partSize: 5 * mib }))
    const file = path.join(dir, 'concurrent.bin')
    await writeRandomFile(file, 7 * mib)
    const { result, seen } = await recordRequests(() => Promise.all([store.putFile(file), store.putFile(file), store.putFile(file)]))
    expect(result.filter((r) => r.stored)).toHaveLength(1)
    expect(new Set(result.map((r) => r.cid)).size).toBe(1)
    expect(multipartStarts(seen)).toHaveLength(1)
    expect(uploadParts(seen)).toHaveLength(2)
    store.close()
  })

  it('a multipart stream that does not match its stated CID is never completed, so no object appears', async () => {
    const bucket = await newBucket()
    const store = createS3BlobStore(storeOptions(bucket, { partSize: 5 * mib }))
    const bytes = randomBytes(11 * mib)
    const claimed = hashBytes(randomBytes(16)).cid
    const { result, seen } = await recordRequests(() => store.putStream(Readable.from([bytes.subarray(0, 6 * mib), bytes.subarray(6 * mib)], { objectMode: false }), { cid: claimed }).catch((e: unknown) => e))
    expect(result).toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
    expect(uploadParts(seen).length).toBeGreaterThanOrEqual(1) // the parts before the end did go out…
    expect(multipartCompletes(seen)).toHaveLength(0) // …but the upload was never completed
    expect(await listKeys(bucket)).toEqual([])
    store.close()
  })

  it('putHashed re-hashes: bytes that are not the stated CID are refused before any request', async () => {
    const bucket = await newBucket()
    const store = createS3BlobStore(storeOptions(bucket))
    const bytes = randomBytes(2000)
    const stated = { ...hashBytes(randomBytes(2000)), size: bytes.length }
    const { result, seen } = await recordRequests(() => store.putHashed(stated, bytes).catch((e: unknown) => e))
    expect(result).toMatchObject({ code: 'CONTENT_HASH_MISMATCH' })
    expect(seen).toEqual([])
    expect(await store.has(stated.cid)).toBe(false)
    store.close()
  })

  it('wrong credentials fail STORE_ACCESS_DENIED, and no error shows the key id or the secret', async () => {
    const bucket = await newBucket()
    const secret = 'wrong-secret-9f8e7d6c5b4a'
    const keyId = 'AKIAMINTMARKWRONGKEY'
    const store = createS3BlobStore(storeOptions(bucket, { credentials: { accessKeyId: keyId, secretAccessKey: secret } }))
    const file = path.join(dir, 'denied.bin')
    await writeRandomFile(file, 6 * mib)
    const cid = hashBytes(randomBytes(8)).cid
    const failures = await Promise.all([
      store.has(cid).catch((e: unknown) => e),
      store.get(cid).catch((e: unknown) => e),
      store.putBytes(randomBytes(100)).catch((e: unknown) => e),
      store.putFile(file).catch((e: unknown) => e),
    ])
    for (const failure of failures) {
      expect(failure).toMatchObject({ code: 'STORE_ACCESS_DENIED', retry: false })
      const shown = `${(failure as Error).message}\n${inspect(failure, { depth: 10 })}\n${JSON.stringify(failure)}`
      expect(shown).not.toContain(secret)
      expect(shown).not.toContain(keyId)
    }
    store.close()
  })

  it('a bucket that does not exist fails STORE_BUCKET_NOT_FOUND, for reads and writes alike', async () => {
    const store = createS3BlobStore(storeOptions('no-such-bucket'))
    const cid = hashBytes(randomBytes(8)).cid
    await expect(store.has(cid)).rejects.toMatchObject({ code: 'STORE_BUCKET_NOT_FOUND' })
    await expect(store.size(cid)).rejects.toMatchObject({ code: 'STORE_BUCKET_NOT_FOUND' })
    await expect(store.get(cid)).rejects.toMatchObject({ code: 'STORE_BUCKET_NOT_FOUND' })
    await expect(store.verify(cid)).rejects.toMatchObject({ code: 'STORE_BUCKET_NOT_FOUND' })
    await expect(store.putBytes(randomBytes(100))).rejects.toMatchObject({ code: 'STORE_BUCKET_NOT_FOUND' })
    store.close()
  })

  it('an endpoint that does not answer fails STORE_IO (retryable)', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const store = createS3BlobStore(storeOptions('mintmark', { endpoint: `http://127.0.0.1:${port}` }))
    const failure = await store.get(hashBytes(randomBytes(8)).cid).catch((e: unknown) => e)
    expect(failure).toMatchObject({ code: 'STORE_IO', retry: true })
    expect((failure as Error).message).toContain('ECONNREFUSED')
    store.close()
  })

  it('a server that accepts connections but never answers fails STORE_IO after the idle timeout', async () => {
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => {})
    })
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)))
    const store = createS3BlobStore(storeOptions('mintmark', { endpoint: `http://127.0.0.1:${port}`, idleTimeoutMs: 300 }))
    try {
      const started = Date.now()
      await expect(store.has(hashBytes(randomBytes(8)).cid)).rejects.toMatchObject({ code: 'STORE_IO', retry: true })
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      store.close()
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('an aborted put rejects with the signal\'s reason and leaves no object', async () => {
    const bucket = await newBucket()
    const store = createS3BlobStore(storeOptions(bucket, { partSize: 5 * mib, queueSize: 1 }))
    const file = path.join(dir, 'aborted.bin')
    await writeRandomFile(file, 16 * mib)
    const controller = new AbortController()
    const reason = new Error('stopped by the caller')
    // Abort once the first part has reached the server.
    const onRequest = (req: IncomingMessage) => {
      if (/[?&]partNumber=1\b/.test(req.url ?? '')) controller.abort(reason)
    }
    server.httpServer.on('request', onRequest)
    try {
      await expect(store.putFile(file, { signal: controller.signal })).rejects.toBe(reason)
    } finally {
      server.httpServer.off('request', onRequest)
    }
    expect(await listKeys(bucket)).toEqual([])
    expect(await store.has((await hashFile(file)).cid)).toBe(false)
    store.close()
  })

  it('no region anywhere fails INPUT_INVALID, naming the fix', async () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION, AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE }
    delete process.env.AWS_REGION
    delete process.env.AWS_DEFAULT_REGION
    process.env.AWS_CONFIG_FILE = path.join(dir, 'no-aws-config')
    try {
      const store = createS3BlobStore({ bucket: await newBucket(), endpoint, forcePathStyle: true, credentials })
      await expect(store.has(hashBytes(randomBytes(8)).cid)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('AWS_REGION') })
      store.close()
    } finally {
      for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  it('refuses an endpoint URL that carries credentials, without repeating it', () => {
    const attempt = () => createS3BlobStore({ bucket: 'b', endpoint: 'http://user:hunter2-secret@127.0.0.1:9000' })
    expect(attempt).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
    try {
      attempt()
    } catch (error) {
      expect(inspect(error)).not.toContain('hunter2-secret')
    }
  })
})

import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { type CidProfileName, type ContentHashResult, type ContentId, MintmarkError, createContentHasher, parseContentId } from '@mintmark/core'
import type { BlobStore, BlobStoreStreams, HashedBlob, PutOptions, PutResult } from '../blob-store.js'
import { hashFile } from '../fs/hash-file.js'
import { nodeSha256 } from '../fs/node-sha256.js'
import { createCidCheckStream } from './cid-check-stream.js'
import { describeEndpoint, s3ErrorInfo, toS3StoreError } from './s3-errors.js'

export type S3BlobStoreOptions = {
  /** The bucket that holds the blobs; it must exist. */
  bucket: string
  /** Endpoint URL of an S3-compatible server (MinIO, Ceph, R2, …); default AWS S3 for the region. */
  endpoint?: string | undefined
  /** Signing region; default the AWS SDK's (AWS_REGION, the shared config file). */
  region?: string | undefined
  /** Static credentials; default the AWS SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined
  /** `http://host/bucket/key` instead of `http://bucket.host/key`: what most self-hosted servers need. Default false. */
  forcePathStyle?: boolean | undefined
  /** A client configured by the caller; `endpoint`, `region`, `credentials` and `forcePathStyle` are then ignored, and `close()` leaves it open. */
  client?: S3Client | undefined
  /** Prefix of every object key; default `blobs/` (keys are `blobs/<cid>`). */
  prefix?: string | undefined
  profile?: CidProfileName | undefined
  /** Bytes per multipart part (at least 5 MiB, the S3 minimum); default 8 MiB. */
  partSize?: number | undefined
  /** Parts uploaded at once; default 2. An upload holds about (queueSize + 2) × partSize bytes. */
  queueSize?: number | undefined
  /** Give up connecting after this long (ms); default 10 s. Ignored with `client`. */
  connectTimeoutMs?: number | undefined
  /** Give up on a connection that sends or receives nothing for this long (ms); default 60 s. Ignored with `client`. */
  idleTimeoutMs?: number | undefined
}

export type S3BlobStore = ReturnType<typeof createS3BlobStore>

const mib = 1024 * 1024
const minPartSize = 5 * mib
const maxParts = 10_000

/**
 * A content-addressed blob store in an S3 bucket (AWS or any S3-compatible endpoint), with the
 * same guarantees as the filesystem store: a blob becomes visible under `<prefix><cid>` only once
 * its bytes were checked against that CID, and every read re-hashes them (`CONTENT_HASH_MISMATCH`
 * instead of wrong bytes). Uploads stream as multipart uploads with bounded memory; putting a CID
 * that is already stored sends no bytes. Puts are durable when they return, so `deferSync` and
 * `flush()` have nothing to do. See docs/adr/0013-s3-blob-store.md.
 *
 * @throws MintmarkError (from the methods) `STORE_ACCESS_DENIED`, `STORE_BUCKET_NOT_FOUND`,
 * `STORE_IO` (network, timeouts, server errors: retryable), besides each method's own codes;
 * (from the factory) `INPUT_INVALID` for bad options.
 * @example
 * ```ts
 * import { createS3BlobStore } from '@mintmark/storage/s3'
 * const blobs = createS3BlobStore({ bucket: 'mintmark-blobs', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true })
 * const { cid } = await blobs.putFile('photo.jpg')
 * const bytes = await blobs.get(cid) // checked against cid
 * blobs.close()
 * ```
 */
export function createS3BlobStore(options: S3BlobStoreOptions) {
  const { bucket, profile } = options
  if (typeof bucket !== 'string' || bucket.length === 0) throw new MintmarkError('INPUT_INVALID', 'An S3 blob store needs a bucket name.', { fields: ['bucket'] })
  if (!options.client && options.endpoint !== undefined) assertEndpoint(options.endpoint)
  const prefix = options.prefix ?? 'blobs/'
  if (prefix.startsWith('/')) throw new MintmarkError('INPUT_INVALID', 'The S3 key prefix must not start with "/".', { fields: ['prefix'] })
  const partSize = options.partSize ?? 8 * mib
  if (!Number.isSafeInteger(partSize) || partSize < minPartSize || partSize > 5 * 1024 * mib)
    throw new MintmarkError('INPUT_INVALID', 'partSize must be an integer from 5 MiB to 5 GiB.', { fields: ['partSize'] })
  const queueSize = options.queueSize ?? 2
  if (!Number.isSafeInteger(queueSize) || queueSize < 1 || queueSize > 16)
    throw new MintmarkError('INPUT_INVALID', 'queueSize must be an integer from 1 to 16.', { fields: ['queueSize'] })

  const ownsClient = !options.client
  const client = options.client ?? createClient(options)
  const endpoint = options.client ? 'the endpoint of the given S3 client' : describeEndpoint(options.endpoint)
  const hasher = () => createContentHasher({ ...(profile ? { profile } : {}), sha256: nodeSha256 })
  const target = (action: string, key?: string) => ({ action, bucket, key, endpoint })

  /** The object key of a blob; the CID is parsed first, so no caller string becomes a key. */
  function keyOf(cid: string): string {
    return `${prefix}${parseContentId(cid)}`
  }

  // HEAD responses carry no error document, so a 404 cannot tell a missing object from a missing
  // bucket. The first such 404 is resolved with one HeadBucket; any successful request also
  // shows the bucket exists.
  let bucketSeen = false
  async function assertBucket(): Promise<void> {
    if (bucketSeen) return
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }))
      bucketSeen = true
    } catch (error) {
      const info = s3ErrorInfo(error)
      const named = info.status === 404 ? { ...(error as object), Code: 'NoSuchBucket' } : error
      throw toS3StoreError(named, target('HeadBucket'))
    }
  }

  /** The stored size, or undefined when there is no such object. */
  async function headObject(cid: ContentId): Promise<number | undefined> {
    const Key = keyOf(cid)
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }))
      bucketSeen = true
      return out.ContentLength ?? 0
    } catch (error) {
      if (s3ErrorInfo(error).status !== 404) throw toS3StoreError(error, target('HeadObject', Key))
      await assertBucket()
      return undefined
    }
  }

  /** Starts a GetObject; undefined when there is no such object. */
  async function getObject(cid: ContentId, signal?: AbortSignal): Promise<Readable | undefined> {
    const Key = keyOf(cid)
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key }), signal ? { abortSignal: signal } : {})
      bucketSeen = true
      if (!(out.Body instanceof Readable)) throw new MintmarkError('STORE_IO', `GetObject ${Key} returned no readable body.`)
      return out.Body
    } catch (error) {
      signal?.throwIfAborted()
      const { code, status } = s3ErrorInfo(error)
      if (code === 'NoSuchKey' || (status === 404 && code !== 'NoSuchBucket')) return undefined
      throw toS3StoreError(error, target('GetObject', Key))
    }
  }

  // Puts of one CID in this process share one upload: the others wait for it and report
  // `stored: false`. (Two processes may both upload; the bytes are identical, so the last write
  // changes nothing.)
  const inflight = new Map<ContentId, Promise<PutResult>>()
  async function putOnce(cid: ContentId, put: () => Promise<PutResult>): Promise<PutResult> {
    let running = inflight.get(cid)
    while (running) {
      const other = await running.then(
        (r) => r,
        () => undefined,
      )
      if (other) return { ...other, stored: false }
      const next = inflight.get(cid)
      running = next === running ? undefined : next
    }
    const mine = put()
    inflight.set(cid, mine)
    try {
      return await mine
    } finally {
      if (inflight.get(cid) === mine) inflight.delete(cid)
    }
  }

  /** One multipart (or, under one part, single) upload to the blob's final key. */
  async function upload(cid: ContentId, body: Uint8Array | Readable, size: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted()
    const Key = keyOf(cid)
    const controller = new AbortController()
    const abort = () => controller.abort()
    signal?.addEventListener('abort', abort, { once: true })
    // S3 allows 10,000 parts: a known size beyond 10,000 × partSize gets bigger parts.
    const parts = size === undefined ? partSize : Math.max(partSize, Math.ceil(size / maxParts / mib) * mib)
    const task = new Upload({
      client,
      partSize: parts,
      queueSize,
      leavePartsOnError: false,
      abortController: controller,
      params: { Bucket: bucket, Key, Body: body, ContentType: 'application/octet-stream', ...(size === undefined ? {} : { ContentLength: size }) },
    })
    try {
      await task.done()
      bucketSeen = true
    } catch (error) {
      signal?.throwIfAborted()
      throw toS3StoreError(error, target('PutObject', Key))
    } finally {
      signal?.removeEventListener('abort', abort)
    }
  }

  /**
   * Uploads a stream to the final key of `cid`, hashing it on the way. The check runs before the
   * stream ends, and the uploader sends its last part (or its single PutObject) only after the
   * end: bytes that do not hash to `cid` never become an object.
   */
  async function uploadChecked(
    cid: ContentId,
    source: Readable,
    size: number | undefined,
    signal: AbortSignal | undefined,
    sourceError: (error: unknown) => unknown,
  ): Promise<ContentHashResult> {
    const check = createCidCheckStream(cid, {
      profile,
      onMismatch: (actual) =>
        new MintmarkError('CONTENT_HASH_MISMATCH', `The bytes given for ${cid} hash to ${actual}; nothing was stored.`, {
          metaMessages: ['The source changed while it was uploaded, or the stated CID is not its CID.'],
        }),
    })
    // The first failure of the source or the check: it explains a failed upload better than what
    // the uploader reports (often the AbortMultipartUpload that followed it).
    let streamFailure: unknown
    const noteFailure = (error: unknown) => {
      streamFailure ??= error
    }
    check.on('error', noteFailure)
    source.on('error', (error) => {
      noteFailure(error)
      check.destroy(error)
    })
    source.pipe(check)
    try {
      await upload(cid, check, size, signal)
    } catch (error) {
      signal?.throwIfAborted()
      throw streamFailure === undefined ? error : sourceError(streamFailure)
    } finally {
      check.destroy()
      source.destroy()
    }
    if (!check.result) throw new MintmarkError('INTERNAL', `The upload of ${cid} finished before its bytes were checked.`)
    return check.result
  }

  async function putFile(source: string, opts: PutOptions = {}): Promise<PutResult> {
    const hashed = await hashFile(source, { profile, signal: opts.signal })
    return putOnce(hashed.cid, async () => {
      if ((await headObject(hashed.cid)) !== undefined) return { ...hashed, stored: false }
      await uploadChecked(hashed.cid, createReadStream(source, { highWaterMark: mib }), hashed.size, opts.signal, (error) => fileError(error, source))
      return { ...hashed, stored: true }
    })
  }

  async function putBytes(bytes: Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const h = hasher()
    h.update(bytes)
    return putVerified(h.finish(), bytes, opts)
  }

  /** Like the filesystem store's, but the bytes are hashed again here: an upload costs far more than a hash. */
  async function putHashed(hashed: HashedBlob, bytes: Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const cid = parseContentId(hashed.cid)
    if (bytes.length !== hashed.size) throw new MintmarkError('INPUT_INVALID', `Blob ${cid}: ${bytes.length} bytes given, ${hashed.size} declared.`)
    const h = hasher()
    h.update(bytes)
    const actual = h.finish()
    if (actual.cid !== cid) throw new MintmarkError('CONTENT_HASH_MISMATCH', `The bytes given for ${cid} hash to ${actual.cid}; nothing was stored.`)
    return putVerified(actual, bytes, opts)
  }

  async function putVerified(hashed: ContentHashResult, bytes: Uint8Array, opts: PutOptions): Promise<PutResult> {
    return putOnce(hashed.cid, async () => {
      if ((await headObject(hashed.cid)) !== undefined) return { ...hashed, stored: false }
      await upload(hashed.cid, bytes, bytes.length, opts.signal)
      return { ...hashed, stored: true }
    })
  }

  async function putStream(source: Readable | AsyncIterable<Uint8Array>, expected: { cid: string }, opts: PutOptions = {}): Promise<PutResult> {
    const cid = parseContentId(expected.cid)
    return putOnce(cid, async () => {
      const size = await headObject(cid)
      if (size !== undefined) {
        // Already stored: the source is not read, and sha256 is not known without reading the blob.
        const stored = await getObject(cid, opts.signal)
        if (!stored) throw new MintmarkError('BLOB_NOT_FOUND', `Blob ${cid} vanished while it was being read.`)
        const h = hasher()
        for await (const chunk of stored) h.update(chunk as Uint8Array)
        const existing = h.finish()
        if (existing.cid !== cid) throw corrupt(cid, existing.cid)
        return { ...existing, stored: false }
      }
      const readable = source instanceof Readable ? source : Readable.from(source, { objectMode: false })
      const hashed = await uploadChecked(cid, readable, undefined, opts.signal, (error) => error)
      return { ...hashed, stored: true }
    })
  }

  async function get(cid: string): Promise<Uint8Array> {
    const id = parseContentId(cid)
    const body = await getObject(id)
    if (!body) throw new MintmarkError('BLOB_NOT_FOUND', `No blob ${id} in the store.`)
    const h = hasher()
    const chunks: Uint8Array[] = []
    let length = 0
    try {
      for await (const chunk of body) {
        h.update(chunk as Uint8Array)
        chunks.push(chunk as Uint8Array)
        length += (chunk as Uint8Array).length
      }
    } catch (error) {
      throw toS3StoreError(error, target('GetObject', keyOf(id)))
    }
    const actual = h.finish().cid
    if (actual !== id) throw corrupt(id, actual)
    const bytes = Buffer.concat(chunks, length)
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  async function stream(cid: string, opts: { signal?: AbortSignal | undefined } = {}): Promise<Readable> {
    const id = parseContentId(cid)
    const body = await getObject(id, opts.signal)
    if (!body) throw new MintmarkError('BLOB_NOT_FOUND', `No blob ${id} in the store.`)
    const check = createCidCheckStream(id, { profile, onMismatch: (actual) => corrupt(id, actual) })
    body.on('error', (error) => check.destroy(toS3StoreError(error, target('GetObject', keyOf(id)))))
    check.once('close', () => body.destroy())
    body.pipe(check)
    return check
  }

  async function verify(cid: string): Promise<boolean> {
    const id = parseContentId(cid)
    const body = await getObject(id)
    if (!body) return false
    const h = hasher()
    try {
      for await (const chunk of body) h.update(chunk as Uint8Array)
    } catch (error) {
      throw toS3StoreError(error, target('GetObject', keyOf(id)))
    }
    return h.finish().cid === id
  }

  return {
    bucket,
    keyOf,
    putFile,
    putBytes,
    putHashed,
    putStream,
    get,
    stream,
    verify,
    has: async (cid: string): Promise<boolean> => (await headObject(parseContentId(cid))) !== undefined,
    async size(cid: string): Promise<number> {
      const id = parseContentId(cid)
      const size = await headObject(id)
      if (size === undefined) throw new MintmarkError('BLOB_NOT_FOUND', `No blob ${id} in the store.`)
      return size
    },
    /** Puts are durable when they return: nothing to flush. */
    flush: async (): Promise<void> => {},
    /** Closes the client's sockets, unless the client was passed in. */
    close(): void {
      if (ownsClient) client.destroy()
    },
  } satisfies BlobStore & BlobStoreStreams & { [own: string]: unknown } // plus this store's own members
}

function createClient(options: S3BlobStoreOptions): S3Client {
  const { credentials } = options
  return new S3Client({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(credentials === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
          },
        }),
    forcePathStyle: options.forcePathStyle ?? false,
    // The SDK's default is to wait forever; a stalled server would hang a put or a read.
    requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 10_000, socketTimeout: options.idleTimeoutMs ?? 60_000 },
  })
}

/** An endpoint must be an http(s) URL without credentials in it. The URL is never echoed: it might hold a secret. */
function assertEndpoint(endpoint: string): void {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new MintmarkError('INPUT_INVALID', 'The S3 endpoint is not a URL.', { fields: ['endpoint'] })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new MintmarkError('INPUT_INVALID', 'The S3 endpoint must be an http:// or https:// URL.', { fields: ['endpoint'] })
  if (url.username || url.password)
    throw new MintmarkError('INPUT_INVALID', 'The S3 endpoint URL must not contain credentials.', {
      fields: ['endpoint'],
      metaMessages: ['Pass them as `credentials`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'],
    })
}

function corrupt(cid: ContentId, actual: ContentId): MintmarkError {
  return new MintmarkError('CONTENT_HASH_MISMATCH', `Stored blob ${cid} is corrupt: its bytes hash to ${actual}.`, {
    metaMessages: ['The blob was not served. Restore it from a replica or re-register the original file.'],
  })
}

function fileError(error: unknown, file: string): unknown {
  if (error instanceof MintmarkError) return error
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return new MintmarkError('FILE_NOT_FOUND', 'File not found.', { cause: error, details: file })
  return new MintmarkError('FILE_UNREADABLE', `File cannot be read${code ? ` (${code})` : ''}.`, { cause: error, details: file })
}

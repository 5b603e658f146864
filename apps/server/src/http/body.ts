import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { Readable, type Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createInflate } from 'node:zlib'
import { MintmarkError } from '@mintmark/core'

export type ReadBodyParameters = {
  /** The Node request when served by @hono/node-server (streamed without a web stream in between). */
  incoming?: IncomingMessage | undefined
  request: Request
  /** Largest body accepted, counted after decoding Content-Encoding. */
  limit: number
  /** Write the decoded body to this new file instead of memory. */
  toFile?: string | undefined
  signal?: AbortSignal | undefined
  /** Hash the bytes as sent (default true); callers that need no Content-Digest or idempotency hash skip it. */
  hashRaw?: boolean | undefined
}

export type ReadBodyResult = {
  /** The decoded body, when read to memory. */
  bytes: Buffer | undefined
  /** Decoded size. */
  size: number
  /** SHA-256 of the bytes as sent (before decoding): what RFC 9530 Content-Digest covers; undefined with `hashRaw: false`. */
  sha256: Buffer | undefined
}

const tooLarge = (limit: number) =>
  new MintmarkError('BODY_TOO_LARGE', `The request body is larger than this route accepts (${limit} bytes after decoding).`)

/** The limit check that needs no body: a Content-Length above the limit is refused before reading. */
export function checkDeclaredLength(headers: Headers, limit: number): void {
  const cl = headers.get('content-length')
  if (cl !== null && /^\d+$/.test(cl) && Number(cl) > limit + encodingSlack(headers)) throw tooLarge(limit)
}

/** gzip/deflate add a few bytes to incompressible data: allow them on the wire. */
function encodingSlack(headers: Headers): number {
  return (headers.get('content-encoding') ?? 'identity').toLowerCase() === 'identity' ? 0 : 64 * 1024
}

function decoderFor(headers: Headers): Transform | undefined {
  const enc = (headers.get('content-encoding') ?? 'identity').trim().toLowerCase()
  if (enc === 'identity' || enc === '') return undefined
  if (enc === 'gzip' || enc === 'x-gzip') return createGunzip()
  if (enc === 'deflate') return createInflate()
  throw new MintmarkError('CONTENT_ENCODING_UNSUPPORTED', `Content-Encoding ${JSON.stringify(enc.slice(0, 40))} is not supported (identity, gzip, deflate).`)
}

/**
 * Reads a request body, decoding gzip/deflate and enforcing the limit on the decoded bytes (a
 * gzip bomb stops at the limit), hashing the bytes as sent. The source is never destroyed on a
 * limit error, so the server can still answer 413 (with Connection: close).
 */
export async function readBody(p: ReadBodyParameters): Promise<ReadBodyResult> {
  checkDeclaredLength(p.request.headers, p.limit)
  const decoder = decoderFor(p.request.headers)
  const rawLimit = p.limit + encodingSlack(p.request.headers)
  const hash = p.hashRaw === false ? undefined : createHash('sha256')
  if (p.incoming && !decoder && !p.toFile && !p.signal) return readPlain(p.incoming, p.limit, hash)
  let raw = 0
  let size = 0
  const chunks: Buffer[] = []
  const source: AsyncIterable<Uint8Array> = p.incoming
    ? p.incoming.iterator({ destroyOnReturn: false })
    : ((p.request.body as unknown as AsyncIterable<Uint8Array> | null) ?? Readable.from([]))
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream | ((src: AsyncIterable<Buffer>) => AsyncIterable<Buffer>))[] = []
  stages.push(async function* (src: AsyncIterable<Uint8Array>) {
    for await (const chunk of src) {
      raw += chunk.byteLength
      if (raw > rawLimit) throw tooLarge(p.limit)
      hash?.update(chunk)
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    }
  } as never)
  if (decoder) stages.push(decoder)
  stages.push(async function* (src: AsyncIterable<Buffer>) {
    for await (const chunk of src) {
      size += chunk.length
      if (size > p.limit) throw tooLarge(p.limit)
      yield chunk
    }
  })
  const sink = p.toFile
    ? createWriteStream(p.toFile, { flags: 'wx', mode: 0o600 })
    : async (src: AsyncIterable<Buffer>) => {
        for await (const chunk of src) chunks.push(chunk)
      }
  try {
    await (pipeline as (...args: unknown[]) => Promise<void>)(source, ...stages, sink, ...(p.signal ? [{ signal: p.signal }] : []))
  } catch (error) {
    if (error instanceof MintmarkError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_STREAM_PREMATURE_CLOSE' && decoder)
      throw new MintmarkError('INPUT_INVALID', 'The request body is not valid for its Content-Encoding.', { cause: error })
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error).name === 'AbortError')
      throw new MintmarkError('INPUT_INVALID', 'The request body ended early (the client went away).', { cause: error })
    if (p.toFile) throw new MintmarkError('STORE_IO', 'Could not write the upload to a temporary file.', { cause: error })
    throw error
  }
  return { bytes: p.toFile ? undefined : Buffer.concat(chunks, size), size, sha256: hash?.digest() }
}

/**
 * `readBody` for the common case (node request, no Content-Encoding, to memory) without a stream
 * pipeline: the chunks node:http hands over are kept and joined once (the verify route reads a
 * 1 MiB upload per request; the pipeline's async hops and generators showed in its profile).
 * Same contract: the limit, the raw hash, and the source paused, not destroyed, on a limit error.
 */
function readPlain(incoming: IncomingMessage, limit: number, hash: ReturnType<typeof createHash> | undefined): Promise<ReadBodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (error?: MintmarkError) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose)
      if (!error) resolve({ bytes: Buffer.concat(chunks, size), size, sha256: hash?.digest() })
      else {
        incoming.pause()
        reject(error)
      }
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) return done(tooLarge(limit))
      hash?.update(chunk)
      chunks.push(chunk)
    }
    const onEnd = () => done()
    const early = (cause?: unknown) => done(new MintmarkError('INPUT_INVALID', 'The request body ended early (the client went away).', { cause }))
    const onError = (error: unknown) => early(error)
    const onClose = () => {
      if (!incoming.complete) early()
    }
    if (incoming.readableEnded) return done(incoming.complete ? undefined : new MintmarkError('INPUT_INVALID', 'The request body was already read.'))
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose)
  })
}

import type { FileHandle } from 'node:fs/promises'
import { open } from 'node:fs/promises'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import {
  type CidProfile,
  type CidProfileName,
  type ContentHashResult,
  createContentHasher,
  MintmarkError,
  type Sha256Provider,
} from '@mintmark/core'
import { nodeSha256 } from './node-sha256.js'

export { nodeSha256 } from './node-sha256.js'

/** Default read size: 4 MiB, a whole number of chunks for both built-in profiles. */
export const defaultHashFileReadSize = 4 * 1_048_576

export type HashFileOptions = {
  /** CID profile name or custom profile; default `unixfs-v1-2025`. */
  profile?: CidProfileName | CidProfile | undefined
  /** Stops reading; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined
  /** Bytes per read (default 4 MiB, at most 64 MiB). */
  readSize?: number | undefined
  /** SHA-256 implementation; default node:crypto. */
  sha256?: Sha256Provider | undefined
}

export type HashFileErrorType = MintmarkError<'FILE_NOT_FOUND' | 'FILE_UNREADABLE' | 'INPUT_INVALID'>

function fsError(error: unknown, path: string): MintmarkError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MintmarkError('FILE_NOT_FOUND', 'File not found.', { cause: error, details: path })
  }
  return new MintmarkError('FILE_UNREADABLE', `File cannot be read${code ? ` (${code})` : ''}.`, { cause: error, details: path })
}

/**
 * Files up to this size are read with blocking calls: each async fs call is a thread-pool round
 * trip (measured at ~240 µs on the 2-core VM, five of them to hash a 1 MiB file), while a blocking
 * read of 1 MiB takes ~0.1 ms. Bigger files stream, so the event loop is never held for long.
 */
const syncReadMax = 2 * 1_048_576

/** Hashes a small regular file in one blocking read; undefined when the file is bigger (or not a regular file). */
function hashSmallFileSync(path: string, hasher: ReturnType<typeof createContentHasher>): ContentHashResult | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    throw fsError(error, path)
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile() || stat.size > syncReadMax) return undefined
    const buf = Buffer.allocUnsafeSlow(stat.size + 1)
    let length = 0
    for (let n = -1; n !== 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, length)
    if (length !== stat.size)
      throw new MintmarkError('FILE_UNREADABLE', 'File changed size while it was being hashed.', { details: `${path}: ${stat.size} bytes at open, ${length} read` })
    hasher.update(buf.subarray(0, length))
    return hasher.finish()
  } catch (error) {
    throw error instanceof MintmarkError ? error : fsError(error, path)
  } finally {
    closeSync(fd)
  }
}

/**
 * Streams a file from disk and returns its content address (CIDv1 as kubo computes it for the
 * profile), its SHA-256 and its size, reading `readSize` bytes at a time: memory stays at two
 * read buffers plus the hasher's one chunk, whatever the file size. The next read (in libuv's
 * thread pool) overlaps the hashing of the current buffer (on this thread); both SHA-256 streams
 * use node:crypto. bench/hash-file.mjs measured this at several times `sha256sum`'s throughput,
 * so no worker thread is used.
 * @throws MintmarkError `FILE_NOT_FOUND`, `FILE_UNREADABLE` (also when the file changes size while
 * being read), `INPUT_INVALID` (bad profile or readSize); `signal.reason` when aborted.
 */
export async function hashFile(path: string, options: HashFileOptions = {}): Promise<ContentHashResult> {
  const { signal, readSize = defaultHashFileReadSize } = options
  if (!Number.isSafeInteger(readSize) || readSize < 1 || readSize > 64 * 1_048_576) {
    throw new MintmarkError('INPUT_INVALID', 'readSize must be an integer from 1 to 64 MiB.', { fields: ['readSize'] })
  }
  const hasher = createContentHasher({ profile: options.profile, sha256: options.sha256 ?? nodeSha256 })
  signal?.throwIfAborted()
  const small = hashSmallFileSync(path, hasher)
  if (small) return small

  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw fsError(error, path)
  }
  // A read still in flight when we stop early; awaited before the handle is closed.
  let inFlight: Promise<unknown> | undefined
  try {
    const stat = await handle.stat().catch((error: unknown) => {
      throw fsError(error, path)
    })
    if (stat.isDirectory()) {
      throw new MintmarkError('FILE_UNREADABLE', 'Path is a directory, not a file.', { details: path })
    }
    // Buffers no larger than the file (+1 to see the end): fresh multi-MiB buffers cost page faults
    // that dominate hashing a small file.
    const size = Math.max(1, Math.min(readSize, stat.size + 1))
    const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)] as const
    const read = (index: 0 | 1, position: number) => {
      const promise = handle.read(buffers[index], 0, size, position)
      inFlight = promise.catch(() => undefined)
      return promise
    }
    let index: 0 | 1 = 0
    let position = 0
    let next = read(0, 0)
    for (;;) {
      let bytesRead: number
      try {
        ;({ bytesRead } = await next)
      } catch (error) {
        inFlight = undefined
        throw fsError(error, path)
      }
      inFlight = undefined
      if (bytesRead === 0) break
      signal?.throwIfAborted()
      position += bytesRead
      const current = buffers[index]
      index = index === 0 ? 1 : 0
      next = read(index, position)
      hasher.update(current.subarray(0, bytesRead))
    }
    if (stat.isFile() && position !== stat.size) {
      throw new MintmarkError('FILE_UNREADABLE', 'File changed size while it was being hashed.', {
        details: `${path}: ${stat.size} bytes at open, ${position} read`,
      })
    }
    return hasher.finish()
  } finally {
    await inFlight
    await handle.close()
  }
}

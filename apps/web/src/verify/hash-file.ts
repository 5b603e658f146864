import { type CidProfileName, type Sha256Provider, cidProfiles, createContentHasher, nobleSha256 } from '@mintmark/core'

export type FileHash = { cid: string; sha256: string; size: number; profile: CidProfileName }

export type HashFileOptions = {
  profile?: CidProfileName | undefined
  /** Bytes hashed so far, after each chunk. */
  onProgress?: ((done: number, total: number) => void) | undefined
  signal?: AbortSignal | undefined
}

/**
 * The content address of a file, computed in the browser exactly as the CLI does: core's streaming
 * UnixFS builder (`createContentHasher`, same profile, same DAG), fed the file chunk by chunk so a
 * large file is never held in memory.
 *
 * WebCrypto has no incremental SHA-256, only one-shot digests, so the work is shared: every full
 * leaf chunk is digested by WebCrypto (native, fast) before it is handed to core, and core's
 * provider returns those digests for the leaves; the small dag-pb nodes, a short last chunk and the
 * whole-file SHA-256 go through noble (pure JS, incremental). A file of one chunk is digested by
 * WebCrypto alone: its leaf digest is the whole-file digest.
 */
export async function hashFile(file: Blob, options: HashFileOptions = {}): Promise<FileHash> {
  const profile = options.profile ?? 'unixfs-v1-2025'
  const { chunkSize } = cidProfiles[profile]
  const subtle = globalThis.crypto?.subtle
  if (!subtle) throw new Error('This browser has no WebCrypto (crypto.subtle): open the page over https or on localhost.')

  if (file.size <= chunkSize) {
    const bytes = new Uint8Array(await file.arrayBuffer())
    const whole = new Uint8Array(await subtle.digest('SHA-256', bytes))
    const hasher = createContentHasher({ profile, sha256: precomputedWhole(whole) })
    hasher.update(bytes)
    options.onProgress?.(file.size, file.size)
    return { ...hasher.finish(), profile }
  }

  const leaves = createLeafQueue(chunkSize)
  const hasher = createContentHasher({ profile, sha256: leaves.provider })
  for (let offset = 0; offset < file.size; offset += chunkSize) {
    if (options.signal?.aborted) throw new DOMException('Hashing was cancelled.', 'AbortError')
    const chunk = new Uint8Array(await file.slice(offset, offset + chunkSize).arrayBuffer())
    if (chunk.length === chunkSize) leaves.push(new Uint8Array(await subtle.digest('SHA-256', chunk)))
    hasher.update(chunk)
    options.onProgress?.(Math.min(offset + chunkSize, file.size), file.size)
  }
  const result = hasher.finish()
  leaves.assertDrained()
  return { ...result, profile }
}

/** A provider whose whole-content digest is already known (single-chunk files). */
function precomputedWhole(whole: Uint8Array): Sha256Provider {
  return {
    digest: (bytes) => nobleSha256.digest(bytes),
    create: () => ({ update: () => {}, digest: () => whole }),
  }
}

/**
 * Leaf digests computed ahead by WebCrypto, handed out in file order. A UnixFS interior node is
 * a few KiB at most (≤ 1024 links of ~40 bytes), never a whole chunk, so a digest request for
 * exactly `chunkSize` bytes is always the next full leaf; anything else is hashed by noble.
 */
function createLeafQueue(chunkSize: number) {
  const queue: Uint8Array[] = []
  let served = 0
  let pushed = 0
  const provider: Sha256Provider = {
    digest(bytes) {
      if (bytes.length !== chunkSize) return nobleSha256.digest(bytes)
      const next = queue.shift()
      if (!next) throw new Error('Content hasher asked for a leaf digest that was not computed (chunking out of step).')
      served++
      return next
    },
    create: () => nobleSha256.create(),
  }
  return {
    provider,
    push(digest: Uint8Array) {
      queue.push(digest)
      pushed++
    },
    assertDrained() {
      if (queue.length || served !== pushed) throw new Error('Content hasher left leaf digests unused (chunking out of step).')
    },
  }
}

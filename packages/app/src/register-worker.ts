/**
 * register's preparing thread: for each batch of files it reads, checks, hashes, describes,
 * validates, canonicalises and signs (prepare-asset.ts, the same code the main thread runs for
 * one file), and sends back what the commit needs, the bytes *transferred* (no copy): one
 * message per batch, not per file. The main thread only writes packs and commits groups.
 *
 * The signing key arrives in `workerData` as a node:crypto KeyObject (cloned in memory by Node,
 * never exported or written). A file's failure (a MintmarkError: FILE_NOT_FOUND, IMAGE_INVALID…)
 * ends its batch: the files before it are returned, with the error, serialised with its code.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import type { KeyObject } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { type CidProfileName, type Did, MintmarkError } from '@mintmark/core'
import { nodeSignerFromKey } from './node-signer.js'
import { type MediaEvidence, type RegisterTemplate, manifestFactory, maxInMemoryFile, mediaEvidence, prepareBytes } from './prepare-asset.js'
import { type PrepareBatch, type PreparedBatch, type PreparedFile, serializeError } from './register-worker-protocol.js'

const init = workerData as { template: RegisterTemplate; did: Did; key: KeyObject; profile?: CidProfileName | undefined }
const signer = nodeSignerFromKey(init.key, init.did)
const makeManifest = manifestFactory(init.template, init.did)

/** Batch arenas: the files of a batch are read into one buffer, transferred as a whole. */
const arenaBytes = 4 << 20
/** Hashes and leaf data of a batch (~1–2 KB per file). */
const smallArenaBytes = 256 << 10

parentPort?.on('message', (batch: PrepareBatch) => {
  void prepareBatch(batch).then(
    (reply) => parentPort?.postMessage(reply.message, reply.transfer),
    (error: unknown) => parentPort?.postMessage({ id: batch.id, results: [], error: serializeError(error) } satisfies PreparedBatch),
  )
})

async function prepareBatch(batch: PrepareBatch): Promise<{ message: PreparedBatch; transfer: ArrayBuffer[] }> {
  const results: PreparedFile[] = []
  const transfer = new Set<ArrayBuffer>()
  let arena = new Uint8Array(new ArrayBuffer(arenaBytes))
  let used = 0
  // Small outputs (hashes, leaf data) are copied into a shared buffer, transferred once per batch:
  // three transferred buffers per file cost the receiving thread more than the copies.
  let small = new Uint8Array(new ArrayBuffer(smallArenaBytes))
  let smallUsed = 0
  const own = (b: Uint8Array): Uint8Array => {
    if (smallUsed + b.length > small.length) {
      if (smallUsed > 0) transfer.add(small.buffer as ArrayBuffer)
      small = new Uint8Array(new ArrayBuffer(Math.max(smallArenaBytes, b.length)))
      smallUsed = 0
    }
    small.set(b, smallUsed)
    smallUsed += b.length
    return small.subarray(smallUsed - b.length, smallUsed)
  }
  for (let i = 0; i < batch.files.length; i++) {
    const file = batch.files[i] as string
    try {
      // One open, one fstat, one read, one close per file (readFileSync after a stat costs more).
      const fd = openSync(file, 'r')
      let bytes: Uint8Array
      try {
        const st = fstatSync(fd)
        if (!st.isFile()) throw new MintmarkError('FILE_UNREADABLE', `${file} is not a regular file.`)
        if (st.size > maxInMemoryFile) {
          results.push({ kind: 'large', file, createdAt: batch.createdAt[i] as string })
          continue
        }
        if (st.size > arena.length - used) {
          if (st.size > arenaBytes / 4) {
            bytes = new Uint8Array(new ArrayBuffer(st.size))
          } else {
            if (used > 0) transfer.add(arena.buffer as ArrayBuffer)
            arena = new Uint8Array(new ArrayBuffer(arenaBytes))
            used = 0
            bytes = arena.subarray(0, st.size)
            used = st.size
          }
        } else {
          bytes = arena.subarray(used, used + st.size)
          used += st.size
        }
        let n = 0
        while (n < bytes.length) {
          const r = readSync(fd, bytes, n, bytes.length - n, n)
          if (r === 0) break
          n += r
        }
        bytes = bytes.subarray(0, n)
      } finally {
        closeSync(fd)
      }
      if (bytes.buffer !== arena.buffer) transfer.add(bytes.buffer as ArrayBuffer)
      const p = await prepareBytes({ file, bytes, createdAt: batch.createdAt[i] as string, template: init.template, signer, makeManifest, profile: init.profile })
      const evidence: MediaEvidence | undefined = p.asset.mediaType.startsWith('image/') ? await mediaEvidence(p.bytes, p.asset.mediaType, file) : undefined
      results.push({
        kind: 'small',
        file,
        createdAt: batch.createdAt[i] as string,
        asset: p.asset,
        bytes: p.bytes,
        statementHash: own(p.statementHash),
        leafData: own(p.firstClaim.data),
        leafHash: own(p.firstClaim.leafHash),
        ...(evidence ? { evidence } : {}),
      })
    } catch (error) {
      if (used > 0) transfer.add(arena.buffer as ArrayBuffer)
      if (smallUsed > 0) transfer.add(small.buffer as ArrayBuffer)
      return { message: { id: batch.id, results, error: serializeError(error, file) }, transfer: [...transfer] }
    }
  }
  if (used > 0) transfer.add(arena.buffer as ArrayBuffer)
  if (smallUsed > 0) transfer.add(small.buffer as ArrayBuffer)
  return { message: { id: batch.id, results }, transfer: [...transfer] }
}

import * as dagPb from '@ipld/dag-pb'
import { bytesToHex } from '@noble/hashes/utils.js'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { MintmarkError } from '../errors/base.js'
import type { CidProfile, CidProfileName } from './cid-profiles.js'
import type { ContentHashResult, ContentId } from './content-id.js'
import { nobleSha256 } from './noble-sha256.js'
import { resolveCidProfile } from './resolve-cid-profile.js'
import type { Sha256Provider } from './sha256-provider.js'

const sha256Code = 0x12

export type CreateContentHasherParameters = {
  /** Profile name or a custom profile; default `unixfs-v1-2025`. */
  profile?: CidProfileName | CidProfile | undefined
  /** SHA-256 implementation; default the pure-JS `nobleSha256`. */
  sha256?: Sha256Provider | undefined
}

/**
 * A streaming content hasher. Feed bytes in order with `update` (split anywhere: the result does
 * not depend on how the stream is split), then call `finish` once.
 */
export type ContentHasher = {
  /** Adds the next bytes. `bytes` may be reused by the caller as soon as this returns. */
  update(bytes: Uint8Array): void
  /** Ends the stream and returns the CID, the whole-content SHA-256 and the size. */
  finish(): ContentHashResult
  /** Bytes added so far. */
  readonly size: number
}

export type CreateContentHasherErrorType = MintmarkError<'INPUT_INVALID' | 'USAGE_INVALID'>

/** A child link of an interior node: a raw leaf or an interior `dag-pb` node. */
type Entry = { cid: CID; tsize: number; fileSize: number }

/**
 * Creates a streaming hasher that computes the IPFS CIDv1 of a file exactly as kubo / the JS
 * UnixFS importer do with the profile's settings (fixed-size chunks, raw leaves, balanced layout,
 * a single-chunk file reduced to its raw leaf), plus the plain SHA-256 of the whole file, in one
 * pass. Memory stays O(chunkSize + depth × maxLinks): one partial chunk and, per tree level, the
 * links of the node being filled. Nothing else of the file is kept.
 *
 * The balanced layout is built bottom-up: level 0 collects leaf links; whenever a level holds
 * `maxLinks` links they become one interior node, linked from the level above. At the end the
 * partial groups are closed from the bottom up until a level holds a single node: the root.
 * This gives the same tree as kubo's top-down balanced builder (all leaves at equal depth,
 * every node full except the rightmost path).
 * @throws MintmarkError `INPUT_INVALID` for a bad profile.
 */
export function createContentHasher(parameters: CreateContentHasherParameters = {}): ContentHasher {
  const { chunkSize, maxLinks } = resolveCidProfile(parameters.profile)
  const provider = parameters.sha256 ?? nobleSha256
  const whole = provider.create()

  let size = 0
  let finished = false
  // The partial chunk, grown on demand up to chunkSize (small inputs never allocate a full chunk).
  let pending = new Uint8Array(0)
  let fill = 0
  // levels[i]: links collected for the node being filled at height i + 1; counts[i]: all entries ever added at height i.
  const levels: Entry[][] = []
  const counts: number[] = []

  function addEntry(level: number, entry: Entry): void {
    const group = (levels[level] ??= [])
    group.push(entry)
    counts[level] = (counts[level] ?? 0) + 1
    if (group.length === maxLinks) {
      levels[level] = []
      addEntry(level + 1, buildNode(group))
    }
  }

  // The first full chunk is kept (copied) rather than hashed at once: if it turns out to be the
  // whole content, its leaf digest is the whole-content digest, and a file of one chunk is
  // hashed once instead of twice.
  let deferred: Uint8Array | undefined

  function addLeafDigest(length: number, digest: Uint8Array): void {
    const cid = CID.createV1(raw.code, Digest.create(sha256Code, digest))
    addEntry(0, { cid, tsize: length, fileSize: length })
  }

  function addLeaf(chunk: Uint8Array): void {
    if ((counts[0] ?? 0) === 0 && deferred === undefined && chunk.length === chunkSize) {
      deferred = new Uint8Array(chunk) // a copy: Buffer#slice would share memory with the caller
      return
    }
    if (deferred) {
      const first = deferred
      deferred = undefined
      addLeafDigest(first.length, provider.digest(first))
    }
    addLeafDigest(chunk.length, provider.digest(chunk))
  }

  function buildNode(children: Entry[]): Entry {
    // UnixFS `file` node without data: blocksizes = the file bytes under each child.
    const unixfs = new UnixFS({ type: 'file', blockSizes: children.map((c) => BigInt(c.fileSize)) })
    let tsize = 0
    let fileSize = 0
    const links = children.map((c) => {
      tsize += c.tsize
      fileSize += c.fileSize
      return { Hash: c.cid, Name: '', Tsize: c.tsize }
    })
    const block = dagPb.encode({ Data: unixfs.marshal(), Links: links })
    const cid = CID.createV1(dagPb.code, Digest.create(sha256Code, provider.digest(block)))
    // Tsize of a node = its block plus everything below it, as kubo records it.
    return { cid, tsize: tsize + block.length, fileSize }
  }

  function ensurePending(needed: number): void {
    if (pending.length >= needed) return
    const grown = new Uint8Array(Math.min(chunkSize, Math.max(needed, pending.length * 2, 65_536)))
    grown.set(pending.subarray(0, fill))
    pending = grown
  }

  function assertOpen(): void {
    if (finished) {
      throw new MintmarkError('USAGE_INVALID', 'This content hasher has already finished.', {
        metaMessages: ['Create a new hasher for each stream.'],
      })
    }
  }

  function rootEntry(): Entry {
    // A file of one chunk (or an empty file) is that raw leaf itself.
    if ((counts[0] ?? 0) === 1) return levels[0]![0]!
    for (let level = 0; ; level++) {
      if (level > 0 && counts[level] === 1) return levels[level]![0]!
      const partial = levels[level]
      if (partial !== undefined && partial.length > 0) {
        levels[level] = []
        addEntry(level + 1, buildNode(partial))
      }
    }
  }

  return {
    get size() {
      return size
    },
    update(bytes) {
      assertOpen()
      if (!(bytes instanceof Uint8Array)) {
        throw new MintmarkError('INPUT_INVALID', 'Content hasher update() takes a Uint8Array.')
      }
      whole.update(bytes)
      size += bytes.length
      let offset = 0
      if (fill > 0) {
        const take = Math.min(chunkSize - fill, bytes.length)
        ensurePending(fill + take)
        pending.set(bytes.subarray(0, take), fill)
        fill += take
        offset = take
        if (fill < chunkSize) return
        addLeaf(pending.subarray(0, chunkSize))
        fill = 0
      }
      // Whole chunks are hashed straight from the caller's buffer, without a copy.
      while (bytes.length - offset >= chunkSize) {
        addLeaf(bytes.subarray(offset, offset + chunkSize))
        offset += chunkSize
      }
      if (offset < bytes.length) {
        ensurePending(bytes.length - offset)
        pending.set(bytes.subarray(offset), 0)
        fill = bytes.length - offset
      }
    },
    finish() {
      assertOpen()
      finished = true
      const wholeDigest = whole.digest()
      const onlyChunk = (counts[0] ?? 0) === 0
      if (fill > 0 || size === 0) {
        if (onlyChunk && !deferred) addLeafDigest(fill, wholeDigest)
        else addLeaf(pending.subarray(0, fill))
      } else if (deferred && onlyChunk) {
        addLeafDigest(deferred.length, wholeDigest)
        deferred = undefined
      }
      const root = rootEntry()
      pending = new Uint8Array(0)
      levels.length = 0
      return { cid: root.cid.toString() as ContentId, sha256: bytesToHex(wholeDigest), size }
    },
  }
}

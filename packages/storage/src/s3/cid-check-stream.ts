import { Transform } from 'node:stream'
import { type CidProfileName, type ContentHashResult, type ContentId, MintmarkError, createContentHasher } from '@mintmark/core'
import { nodeSha256 } from '../fs/node-sha256.js'

export type CidCheckStream = Transform & {
  /** The hash of everything that passed, once the stream has ended (undefined before, or on a mismatch). */
  readonly result: ContentHashResult | undefined
}

/**
 * A pass-through stream that hashes what flows through it and, at the end, compares the CID with
 * `expected`. On a mismatch it fails with the error `onMismatch` builds instead of ending. The
 * most recent chunk is held back until that check: a consumer of a corrupt blob never receives
 * all of its bytes, so a response with a Content-Length can never complete with wrong content.
 */
export function createCidCheckStream(
  expected: ContentId,
  options: { profile?: CidProfileName | undefined; onMismatch: (actual: ContentId) => MintmarkError },
): CidCheckStream {
  const hasher = createContentHasher({ ...(options.profile ? { profile: options.profile } : {}), sha256: nodeSha256 })
  let held: Uint8Array | undefined
  let result: ContentHashResult | undefined
  const stream = new Transform({
    transform(chunk: unknown, _encoding, callback) {
      if (!(chunk instanceof Uint8Array)) {
        callback(new MintmarkError('INPUT_INVALID', 'A blob stream must yield bytes (Uint8Array), not strings or objects.'))
        return
      }
      hasher.update(chunk)
      const previous = held
      held = chunk
      callback(null, previous)
    },
    flush(callback) {
      const hashed = hasher.finish()
      if (hashed.cid !== expected) {
        held = undefined
        callback(options.onMismatch(hashed.cid))
        return
      }
      result = hashed
      const last = held
      held = undefined
      callback(null, last)
    },
  })
  return Object.defineProperty(stream, 'result', { get: () => result }) as CidCheckStream
}

import { sha256 } from '@noble/hashes/sha2.js'
import type { Sha256Provider } from './sha256-provider.js'

/** The pure-JavaScript SHA-256 provider (@noble/hashes): runs in browsers, workers and Node. */
export const nobleSha256: Sha256Provider = {
  digest: (bytes) => sha256(bytes),
  create: () => {
    const hash = sha256.create()
    return {
      update: (bytes) => {
        hash.update(bytes)
      },
      digest: () => hash.digest(),
    }
  },
}

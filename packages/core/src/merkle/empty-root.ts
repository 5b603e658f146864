import { sha256 } from '@noble/hashes/sha2.js'

/** Root of the empty tree, SHA-256 of no bytes (e3b0c442…b855), RFC 6962 §2.1. */
export const emptyRoot: Uint8Array = sha256(new Uint8Array(0))

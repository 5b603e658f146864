/** A C2SP tlog-checkpoint body (https://c2sp.org/tlog-checkpoint). */
export type Checkpoint = {
  /** Log identity, first line; the log's key name should match it. */
  origin: string
  /** Number of leaves. */
  size: number
  /** RFC 6962 root hash of the tree at `size` (32 bytes). */
  rootHash: Uint8Array
  /** Opaque non-empty extension lines after the root hash (usually none). */
  extensions: string[]
}

/** Signs note text with one key (C2SP signed-note). `keyHash` is the uint32 key ID. */
export type NoteSigner = {
  name: string
  keyHash: number
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>
}

/** Verifies note signatures of one key, identified by name and uint32 key ID. */
export type NoteVerifier = {
  name: string
  keyHash: number
  verify(message: Uint8Array, signature: Uint8Array): boolean
}

/** One signature line of a note: key name, key ID and the signature bytes (without the key ID). */
export type NoteSignature = { name: string; keyHash: number; signature: Uint8Array }

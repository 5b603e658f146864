/** An incremental SHA-256 computation. */
export type Sha256Hash = {
  update(bytes: Uint8Array): void
  /** The 32-byte digest; called once, after the last update. */
  digest(): Uint8Array
}

/**
 * The SHA-256 implementation the content hasher uses, injectable so each platform can bring its
 * fastest one: `nobleSha256` (pure JS, everywhere), `nodeSha256` (node:crypto) in
 * `@mintmark/storage`. Both methods are synchronous and must not keep a reference to `bytes` after
 * they return (the hasher reuses its buffers).
 */
export type Sha256Provider = {
  /** One-shot SHA-256, used for every leaf chunk and interior node. */
  digest(bytes: Uint8Array): Uint8Array
  /** A fresh incremental SHA-256, used for the whole content. */
  create(): Sha256Hash
}

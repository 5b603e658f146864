/**
 * A Mintmark content address: an IPFS CIDv1 (sha2-256) with the `raw` (0x55) or `dag-pb` (0x70)
 * codec, in its canonical lowercase base32 string form (`bafkrei…` or `bafybei…`, 59 characters).
 * Obtain one from {@link hashBytes}, a content hasher, or {@link parseContentId}; never by a cast.
 */
export type ContentId = `b${string}` & { readonly __brand: 'ContentId' }

/** What hashing some content yields: its content address, its plain SHA-256, and its length. */
export type ContentHashResult = {
  /** The CIDv1 of the content under the chosen profile. */
  cid: ContentId
  /** SHA-256 of the whole content, lowercase hex (64 characters). */
  sha256: string
  /** Length of the content in bytes. */
  size: number
}

/** Names of the built-in CID profiles. */
export type CidProfileName = 'unixfs-v1-2025' | 'kubo-v1'

/**
 * How a file is cut and linked into a UnixFS DAG. Every profile here uses CIDv1, sha2-256, raw
 * leaves, fixed-size chunks and the balanced layout; only the chunk size and the DAG width differ.
 */
export type CidProfile = {
  readonly name: string
  /** Bytes per leaf chunk (the last chunk may be shorter). */
  readonly chunkSize: number
  /** Maximum links per interior `dag-pb` node (DAG width). */
  readonly maxLinks: number
}

/**
 * The built-in profiles.
 * - `unixfs-v1-2025`: IPIP-0499's profile (1 MiB chunks, 1024 links); `ipfs add --profile=unixfs-v1-2025`.
 * - `kubo-v1`: kubo's historical `ipfs add --cid-version 1` defaults (256 KiB chunks, 174 links).
 */
export const cidProfiles = {
  'unixfs-v1-2025': { name: 'unixfs-v1-2025', chunkSize: 1_048_576, maxLinks: 1024 },
  'kubo-v1': { name: 'kubo-v1', chunkSize: 262_144, maxLinks: 174 },
} as const satisfies Record<CidProfileName, CidProfile>

/** The profile used when none is given (DESIGN.md: IPIP-0499 `unixfs-v1-2025`). */
export const defaultCidProfileName: CidProfileName = 'unixfs-v1-2025'

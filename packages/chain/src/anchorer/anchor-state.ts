import type { ErrorCode } from '@mintmark/core'
import type { Address, Hash, Hex } from 'viem'

/**
 * Where an anchor of one checkpoint on one chain stands:
 * `pending` (not on chain, or its block was reorged away) → `included` (in a block, not yet deep
 * enough) → `final` (`confirmations` deep with its block hash unchanged).
 */
export type AnchorStatus = 'pending' | 'included' | 'final'

/** The anchorer's record of one checkpoint on one chain, keyed by `(chainId, treeSize)`. */
export type AnchorRecord = {
  chainId: number
  treeSize: number
  /** The checkpoint's root, `0x`-hex. */
  rootHash: Hex
  logId: Hex
  /** The MintmarkAnchor contract. */
  contract: Address
  status: AnchorStatus
  /** Set while included or final. */
  txHash: Hash | undefined
  blockNumber: number | undefined
  blockHash: Hash | undefined
  /** Tries so far, each one a read of the chain and at most one transaction. */
  attempts: number
  /** The last failure, cleared on success. */
  lastError: { code: ErrorCode; message: string } | undefined
}

/**
 * Persistence of the anchorer's records (the app backs it with SQLite). `put` replaces the record
 * with the same `(chainId, treeSize)`.
 */
export type AnchorStateStore = {
  get(chainId: number, treeSize: number): Promise<AnchorRecord | undefined>
  put(record: AnchorRecord): Promise<void>
  /** Records of one chain, ascending by tree size, optionally of one status. */
  list(filter: { chainId: number; status?: AnchorStatus | undefined }): Promise<AnchorRecord[]>
}

/**
 * An in-memory {@link AnchorStateStore}, for tests and short-lived tools. Records are copied in
 * and out, as a database would.
 *
 * @example
 * const anchorer = createAnchorer({ logId, targets, state: createMemoryAnchorState() })
 */
export function createMemoryAnchorState(): AnchorStateStore {
  const records = new Map<string, AnchorRecord>()
  const key = (chainId: number, treeSize: number) => `${chainId}/${treeSize}`
  return {
    async get(chainId, treeSize) {
      const record = records.get(key(chainId, treeSize))
      return record && { ...record }
    },
    async put(record) {
      records.set(key(record.chainId, record.treeSize), { ...record })
    },
    async list({ chainId, status }) {
      return [...records.values()]
        .filter((r) => r.chainId === chainId && (status === undefined || r.status === status))
        .sort((a, b) => a.treeSize - b.treeSize)
        .map((r) => ({ ...r }))
    },
  }
}

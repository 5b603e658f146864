import type { AnchorRecord, AnchorStateStore } from '@mintmark/chain'
import { type Anchor, type Clock, isErrorCode } from '@mintmark/core'
import type { AnchorRow } from '@mintmark/storage'
import type { AsyncStore } from '@mintmark/storage'
import type { Address, Hash, Hex } from 'viem'

/** The chain package's anchorer state, kept in the store's `anchors` table. */
export function createStoreAnchorState(store: Pick<AsyncStore, 'getAnchor' | 'putAnchor' | 'listAnchors'>, clock: Clock): AnchorStateStore {
  return {
    async get(chainId, treeSize) {
      const row = await store.getAnchor(chainId, treeSize)
      return row && toRecord(row)
    },
    async put(record) {
      await store.putAnchor(toRow(record, clock.now().toISOString()))
    },
    async list({ chainId, status }) {
      return (await store.listAnchors({ chainId, status })).map(toRecord)
    },
  }
}

export function toRecord(row: AnchorRow): AnchorRecord {
  return {
    chainId: row.chainId,
    treeSize: row.treeSize,
    rootHash: row.rootHash as Hex,
    logId: row.logId as Hex,
    contract: row.contract as Address,
    status: row.status,
    txHash: (row.txHash ?? undefined) as Hash | undefined,
    blockNumber: row.blockNumber ?? undefined,
    blockHash: (row.blockHash ?? undefined) as Hash | undefined,
    attempts: row.attempts,
    lastError: row.lastError ? { code: isErrorCode(row.lastError.code) ? row.lastError.code : 'INTERNAL', message: row.lastError.message } : undefined,
  }
}

export function toRow(record: AnchorRecord, updatedAt: string): AnchorRow {
  return {
    chainId: record.chainId,
    treeSize: record.treeSize,
    rootHash: record.rootHash,
    status: record.status,
    txHash: record.txHash ?? null,
    blockNumber: record.blockNumber ?? null,
    blockHash: record.blockHash ?? null,
    contract: record.contract,
    logId: record.logId,
    attempts: record.attempts,
    lastError: record.lastError ? { code: record.lastError.code, message: record.lastError.message } : null,
    updatedAt,
  }
}

/** A stored anchor (included or final) as a bundle carries it. */
export function rowToBundleAnchor(row: AnchorRow): Anchor {
  return {
    chainId: row.chainId,
    contract: row.contract,
    logId: row.logId,
    treeSize: row.treeSize,
    rootHash: row.rootHash.replace(/^0x/, ''),
    txHash: row.txHash as string,
    blockNumber: row.blockNumber as number,
    blockHash: row.blockHash as string,
  }
}

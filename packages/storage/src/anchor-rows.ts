import type { AnchorRow, AnchorRowStatus } from './sqlite/sqlite-store.js'

/**
 * An `anchors` row as either database returns it: the same columns in both; `last_error` is JSON
 * text in SQLite and already parsed (jsonb) in PostgreSQL.
 */
export type AnchorDbRow = {
  chain_id: number
  tree_size: number
  root_hash: string
  status: AnchorRowStatus
  tx_hash: string | null
  block_number: number | null
  block_hash: string | null
  contract: string
  log_id: string
  attempts: number
  last_error: string | NonNullable<AnchorRow['lastError']> | null
  updated_at: string
}

/** The columns of `anchors`, in the order of {@link anchorValues}. */
export const anchorColumns = 'chain_id, tree_size, root_hash, status, tx_hash, block_number, block_hash, contract, log_id, attempts, last_error, updated_at'

/** An anchor's values for an insert, in the order of {@link anchorColumns}. */
export function anchorValues(a: AnchorRow): unknown[] {
  return [
    a.chainId,
    a.treeSize,
    a.rootHash,
    a.status,
    a.txHash,
    a.blockNumber,
    a.blockHash,
    a.contract,
    a.logId,
    a.attempts,
    a.lastError === null ? null : JSON.stringify(a.lastError),
    a.updatedAt,
  ]
}

export function toAnchorRow(r: AnchorDbRow): AnchorRow {
  return {
    chainId: r.chain_id,
    treeSize: r.tree_size,
    rootHash: r.root_hash,
    status: r.status,
    txHash: r.tx_hash,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    contract: r.contract,
    logId: r.log_id,
    attempts: r.attempts,
    lastError: typeof r.last_error === 'string' ? (JSON.parse(r.last_error) as NonNullable<AnchorRow['lastError']>) : r.last_error,
    updatedAt: r.updated_at,
  }
}

import type { NodeId } from '../merkle/index.js'

/** Where the log's entries and perfect-subtree hashes live (SQLite, PostgreSQL, memory). */
export type LogStore = {
  /** Number of leaves in the log. */
  size(): Promise<number>
  /** Hashes of stored perfect subtrees, in the order asked. Throws STORE_CORRUPT when one is missing. */
  getNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>
}

/** The clock, passed in so that core stays free of ambient time. */
export type Clock = { now(): Date }

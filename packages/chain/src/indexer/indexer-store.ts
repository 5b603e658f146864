import type { Address, Hash } from 'viem'

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A decoded contract event as the indexer stores it. */
export type IndexedEvent = {
  chainId: number
  /** Which Mintmark contract emitted it. */
  contract: 'anchor' | 'licenses'
  address: Address
  eventName: string
  /** Decoded arguments; integers as decimal strings, so any store can keep them as JSON. */
  args: { [name: string]: JsonValue }
  blockNumber: number
  blockHash: Hash
  transactionHash: Hash
  logIndex: number
}

/** A block the indexer has seen, kept to notice when the chain no longer has it (a reorg). */
export type IndexedBlock = { number: number; hash: Hash }

/** Persistence of the indexer (the app backs it with SQLite); each method is one transaction. */
export type IndexerStore = {
  /** The last block fully indexed; undefined before the first sync. */
  getCursor(): Promise<number | undefined>
  /** The recent blocks kept, in any order. */
  getBlocks(): Promise<IndexedBlock[]>
  /** Adds events and blocks, moves the cursor, and forgets kept blocks numbered below `pruneBelow`. */
  commit(batch: { cursor: number; events: readonly IndexedEvent[]; blocks: readonly IndexedBlock[]; pruneBelow: number }): Promise<void>
  /** Drops the events and blocks above `blockNumber` and sets the cursor to it; returns the events dropped. */
  rollback(blockNumber: number): Promise<IndexedEvent[]>
  /** Every stored event, in chain order. */
  getEvents(): Promise<IndexedEvent[]>
}

/**
 * An in-memory {@link IndexerStore}, for tests and short-lived tools.
 *
 * @example
 * const indexer = createIndexer({ client, contracts, confirmations: 12, fromBlock: 0, store: createMemoryIndexerStore() })
 */
export function createMemoryIndexerStore(): IndexerStore {
  let cursor: number | undefined
  let events: IndexedEvent[] = []
  const blocks = new Map<number, IndexedBlock>()
  const order = (a: IndexedEvent, b: IndexedEvent) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex
  return {
    async getCursor() {
      return cursor
    },
    async getBlocks() {
      return [...blocks.values()].map((b) => ({ ...b }))
    },
    async commit(batch) {
      events = [...events, ...batch.events.map((e) => structuredClone(e))].sort(order)
      for (const block of batch.blocks) blocks.set(block.number, { ...block })
      for (const number of blocks.keys()) if (number < batch.pruneBelow) blocks.delete(number)
      cursor = batch.cursor
    },
    async rollback(blockNumber) {
      const dropped = events.filter((e) => e.blockNumber > blockNumber)
      events = events.filter((e) => e.blockNumber <= blockNumber)
      for (const number of blocks.keys()) if (number > blockNumber) blocks.delete(number)
      cursor = cursor === undefined ? undefined : Math.min(cursor, blockNumber)
      return dropped
    },
    async getEvents() {
      return events.map((e) => structuredClone(e))
    },
  }
}

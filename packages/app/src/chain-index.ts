import { createIndexer, type IndexedEvent, type IndexerStore, type JsonValue, redactRpcUrl } from '@mintmark/chain'
import type { ChainEventRow } from '@mintmark/storage'
import type { AsyncStore } from '@mintmark/storage'
import type { Address, Hash } from 'viem'
import { type AppChain, namedChainError } from './chain.js'
import type { AppContext } from './open-app.js'

/** Most `sync()` rounds per chain per call: a round stops early when the head moves under it. */
const maxRounds = 8

export type ChainIndexParameters = {
  /** Chain names (or ids) to index; default every chain of the home. */
  chains?: readonly string[] | undefined
}

/** Indexed events by name, split by finality (`confirmations` deep under the indexed head). */
export type ChainEventCounts = {
  total: number
  final: number
  notFinal: number
  byName: Record<string, { final: number; notFinal: number }>
}

export type ChainIndexResult =
  | {
      chain: string
      chainId: number
      ok: true
      /** The chain head the last sync saw. */
      head: number
      /** The last block indexed. */
      cursor: number
      confirmations: number
      /** Events added by this call. */
      added: number
      /** Set when a reorg was met: the newest block still matching, and how many events were rolled back. */
      reorg: { commonAncestor: number; removed: number } | null
      events: ChainEventCounts
    }
  | { chain: string; chainId: number; ok: false; error: { code: string; message: string } }

export type SyncChainIndexReturnType = { chains: ChainIndexResult[] }

/** The chain package's indexer store, kept per chain in the store's chain_* tables. */
export function createStoreIndexerStore(
  store: Pick<AsyncStore, 'getChainCursor' | 'listChainBlocks' | 'commitChainIndex' | 'rollbackChainIndex' | 'listChainEvents'>,
  chainId: number,
): IndexerStore {
  return {
    async getCursor() {
      return store.getChainCursor(chainId)
    },
    async getBlocks() {
      return (await store.listChainBlocks(chainId)).map((b) => ({ number: b.number, hash: b.hash as Hash }))
    },
    async commit(batch) {
      await store.commitChainIndex(chainId, { cursor: batch.cursor, events: batch.events.map(toEventRow), blocks: batch.blocks, pruneBelow: batch.pruneBelow })
    },
    async rollback(blockNumber) {
      return (await store.rollbackChainIndex(chainId, blockNumber)).map(toIndexedEvent)
    },
    async getEvents() {
      return (await store.listChainEvents(chainId)).map(toIndexedEvent)
    },
  }
}

export function toEventRow(e: IndexedEvent): ChainEventRow {
  return {
    chainId: e.chainId,
    blockNumber: e.blockNumber,
    blockHash: e.blockHash,
    logIndex: e.logIndex,
    txHash: e.transactionHash,
    contract: e.contract,
    address: e.address,
    event: e.eventName,
    argsJson: JSON.stringify(e.args),
  }
}

export function toIndexedEvent(r: ChainEventRow): IndexedEvent {
  return {
    chainId: r.chainId,
    contract: r.contract === 'licenses' ? 'licenses' : 'anchor',
    address: r.address as Address,
    eventName: r.event,
    args: JSON.parse(r.argsJson) as { [name: string]: JsonValue },
    blockNumber: r.blockNumber,
    blockHash: r.blockHash as Hash,
    transactionHash: r.txHash as Hash,
    logIndex: r.logIndex,
  }
}

function countEvents(events: readonly { eventName: string; final: boolean }[]): ChainEventCounts {
  const counts: ChainEventCounts = { total: 0, final: 0, notFinal: 0, byName: {} }
  for (const e of events) {
    const slot = (counts.byName[e.eventName] ??= { final: 0, notFinal: 0 })
    counts.total++
    if (e.final) {
      counts.final++
      slot.final++
    } else {
      counts.notFinal++
      slot.notFinal++
    }
  }
  return counts
}

/**
 * What the store holds of a chain's index, without touching the chain: the cursor and the event
 * counts, final meaning `confirmations` deep under the cursor (the newest block checked).
 */
export async function indexedChainSummary(
  store: Pick<AsyncStore, 'getChainCursor' | 'listChainEvents'>,
  chain: Pick<AppChain, 'chainId' | 'confirmations'>,
): Promise<{ cursor: number | null; events: ChainEventCounts }> {
  const cursor = await store.getChainCursor(chain.chainId)
  const events = (await store.listChainEvents(chain.chainId)).map((r) => ({
    eventName: r.event,
    final: cursor !== undefined && cursor - r.blockNumber + 1 >= chain.confirmations,
  }))
  return { cursor: cursor ?? null, events: countEvents(events) }
}

/**
 * Runs the reorg-aware indexer of the Anchor and Licenses contracts on every chain (or those
 * named), persisted in the store: syncs until the cursor reaches the head (a bounded number of
 * rounds), rolling back what a reorg dropped. A chain that fails reports its error; the others
 * are still indexed.
 */
export async function syncChainIndex(ctx: AppContext, parameters: ChainIndexParameters = {}): Promise<SyncChainIndexReturnType> {
  const chains = await ctx.chains.list(parameters.chains)
  const results = await Promise.all(
    chains.map(async (chain): Promise<ChainIndexResult> => {
      try {
        const indexer = createIndexer({
          client: chain.publicClient,
          contracts: chain.contracts,
          confirmations: chain.confirmations,
          fromBlock: 0,
          store: createStoreIndexerStore(ctx.store, chain.chainId),
        })
        let added = 0
        const reorgs: { commonAncestor: number; removed: number }[] = []
        let head = 0
        let cursor = -1
        for (let round = 0; round < maxRounds; round++) {
          const r = await indexer.sync()
          head = r.head
          cursor = r.cursor
          added += r.added.length
          if (r.reorg) reorgs.push({ commonAncestor: r.reorg.commonAncestor, removed: r.reorg.removed.length })
          if (cursor >= head) break
        }
        const reorg = reorgs.length
          ? { commonAncestor: Math.min(...reorgs.map((x) => x.commonAncestor)), removed: reorgs.reduce((n, x) => n + x.removed, 0) }
          : null
        const events = await indexer.getEvents()
        return { chain: chain.name, chainId: chain.chainId, ok: true, head, cursor, confirmations: chain.confirmations, added, reorg, events: countEvents(events) }
      } catch (error) {
        const e = namedChainError(chain, error, 'Indexing', redactRpcUrl(chain.rpcUrl))
        return { chain: chain.name, chainId: chain.chainId, ok: false, error: { code: e.code, message: e.shortMessage } }
      }
    }),
  )
  return { chains: results }
}

import { MintmarkError } from '@mintmark/core'
import { BlockNotFoundError, type Hash, isAddressEqual, type Log, parseEventLogs } from 'viem'
import { getBlock, getBlockNumber, getLogs } from 'viem/actions'
import { mintmarkAnchorAbi, mintmarkLicensesAbi } from '../generated/contracts.js'
import { getCheckedChainId } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import { toSafeCount } from '../internal/hex.js'
import type { MintmarkContracts, ReadClient } from '../types.js'
import type { IndexedBlock, IndexedEvent, IndexerStore, JsonValue } from './indexer-store.js'

export type CreateIndexerParameters = {
  client: ReadClient
  /** The contracts to index; either may be left out. */
  contracts: Partial<MintmarkContracts>
  /** Blocks, the event's own included, before an event is final. */
  confirmations: number
  /** First block to index (the deployment block, usually). */
  fromBlock: number
  store: IndexerStore
  /** Most blocks per `eth_getLogs` request; default 1000 (public RPCs cap ranges). */
  maxBlockRange?: number | undefined
  /** Recent blocks whose hashes are kept to detect reorgs; default max(2 × confirmations, 64). */
  keepBlocks?: number | undefined
}

/** An indexed event and whether it is final: `confirmations` deep under the last synced head. */
export type IndexerEvent = IndexedEvent & { final: boolean }

export type IndexerSyncReturnType = {
  /** The chain head this sync saw and checked. */
  head: number
  /** The last block indexed. */
  cursor: number
  /** Events added by this sync. */
  added: IndexedEvent[]
  /** Set when kept block hashes no longer matched the chain: what was rolled back. */
  reorg: { commonAncestor: number; removed: IndexedEvent[] } | undefined
}

export type Indexer = {
  /**
   * Checks the kept block hashes against the chain (rolling back everything above the newest
   * block that still matches), then indexes up to the head in ranges of `maxBlockRange`.
   */
  sync(): Promise<IndexerSyncReturnType>
  /** The stored events, each marked final or not relative to the head of the last sync. */
  getEvents(): Promise<IndexerEvent[]>
}

/**
 * Creates a polling indexer of the MintmarkAnchor and MintmarkLicenses events. It stores each
 * event with its block number and hash, and keeps the hashes of recent blocks (every block with an
 * event and the cursor): a sync whose kept hashes no longer match the chain has met a reorg, and
 * rolls back to the newest block that still matches before indexing again. Nothing deeper than
 * `keepBlocks` is expected to reorg; if every kept block mismatches, it re-indexes from `fromBlock`.
 *
 * @example
 * const indexer = createIndexer({ client: publicClient, contracts: chain.contracts, confirmations: 12, fromBlock: 0, store: createMemoryIndexerStore() })
 * const { added, reorg } = await indexer.sync()
 * const final = (await indexer.getEvents()).filter((e) => e.final)
 */
export function createIndexer(parameters: CreateIndexerParameters): Indexer {
  const { client, store, contracts } = parameters
  const confirmations = toSafeCount(parameters.confirmations, 'confirmations', { min: 1 })
  const fromBlock = toSafeCount(parameters.fromBlock, 'fromBlock')
  const maxBlockRange = toSafeCount(parameters.maxBlockRange ?? 1000, 'maxBlockRange', { min: 1 })
  const keepBlocks = toSafeCount(parameters.keepBlocks ?? Math.max(2 * confirmations, 64), 'keepBlocks', { min: confirmations })
  const sources = [
    ...(contracts.anchor ? [{ contract: 'anchor' as const, address: contracts.anchor, abi: mintmarkAnchorAbi }] : []),
    ...(contracts.licenses ? [{ contract: 'licenses' as const, address: contracts.licenses, abi: mintmarkLicensesAbi }] : []),
  ]
  if (!sources.length) throw new MintmarkError('INPUT_INVALID', 'The indexer needs at least one contract address.', { fields: ['contracts'] })
  let lastHead: number | undefined

  const hashAt = async (blockNumber: number): Promise<Hash | undefined> => {
    try {
      return (await getBlock(client, { blockNumber: BigInt(blockNumber) })).hash
    } catch (error) {
      if (error instanceof BlockNotFoundError) return undefined
      throw error
    }
  }

  const decode = (chainId: number, logs: Log[]): IndexedEvent[] =>
    sources.flatMap(({ contract, address, abi }) =>
      parseEventLogs({ abi, logs: logs.filter((l) => isAddressEqual(l.address, address)) }).map((log) => ({
        chainId,
        contract,
        address,
        eventName: log.eventName,
        args: toJson(log.args) as { [name: string]: JsonValue },
        blockNumber: Number(log.blockNumber),
        blockHash: log.blockHash,
        transactionHash: log.transactionHash,
        logIndex: log.logIndex,
      })),
    )

  async function sync(): Promise<IndexerSyncReturnType> {
    const chainId = await getCheckedChainId(client)
    const head = Number(await getBlockNumber(client, { cacheTime: 0 }))

    // Reorg check: the newest kept block whose hash still matches is the common ancestor.
    let reorg: IndexerSyncReturnType['reorg']
    const kept = (await store.getBlocks()).sort((a, b) => b.number - a.number)
    let ancestor: number | undefined
    for (const block of kept) {
      if ((await hashAt(block.number)) === block.hash) {
        ancestor = block.number
        break
      }
    }
    if (kept.length && ancestor !== kept[0]?.number) {
      const commonAncestor = ancestor ?? fromBlock - 1
      reorg = { commonAncestor, removed: await store.rollback(commonAncestor) }
    }

    const added: IndexedEvent[] = []
    let cursor = (await store.getCursor()) ?? fromBlock - 1
    while (cursor < head) {
      const from = cursor + 1
      const to = Math.min(head, from + maxBlockRange - 1)
      // The head of the range before and after reading its logs: if it changed, the logs may mix
      // two forks, so stop here; the next sync finds the reorg through the kept hashes.
      const before = await hashAt(to)
      const logs = await getLogs(client, { address: sources.map((s) => s.address), fromBlock: BigInt(from), toBlock: BigInt(to) })
      const after = await hashAt(to)
      if (!before || before !== after) break
      const events = decode(chainId, logs)
      const blocks = new Map<number, IndexedBlock>([[to, { number: to, hash: after }]])
      for (const e of events) blocks.set(e.blockNumber, { number: e.blockNumber, hash: e.blockHash })
      await store.commit({ cursor: to, events, blocks: [...blocks.values()], pruneBelow: Math.min(to, head - keepBlocks + 1) })
      added.push(...events)
      cursor = to
    }
    lastHead = head
    return { head, cursor, added, reorg }
  }

  return {
    async sync() {
      try {
        return await sync()
      } catch (error) {
        throw toChainError(error, { functionName: 'indexer sync' })
      }
    },
    async getEvents() {
      const events = await store.getEvents()
      return events.map((e) => ({ ...e, final: lastHead !== undefined && lastHead - e.blockNumber + 1 >= confirmations }))
    },
  }
}

function toJson(value: unknown): JsonValue {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(toJson)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]))
  return value as JsonValue
}

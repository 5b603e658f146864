import { type AnchorTarget, createAnchorer, createLog, logIdFromVerifierKey, mintmarkAnchorAbi, redactRpcUrl, toChainError } from '@mintmark/chain'
import { consistencyProofPlan, MintmarkError } from '@mintmark/core'
import type { AnchorRowStatus } from '@mintmark/storage'
import type { Hex } from 'viem'
import { getBlockNumber, getChainId, getCode, readContract } from 'viem/actions'
import { createStoreAnchorState } from './anchor-state.js'
import { type AppChain, namedChainError } from './chain.js'
import { type ChainEventCounts, indexedChainSummary } from './chain-index.js'
import type { AppContext } from './open-app.js'

export type AnchorParameters = {
  /** Chain names (or ids) to anchor on; default every chain of the home. */
  chains?: readonly string[] | undefined
}

export type AnchorChainResult = {
  chain: string
  chainId: number
  treeSize: number
  rootHash: string
  status: AnchorRowStatus
  /** The size the chain held before (0: first anchor); the proof sent goes from it. */
  previousSize: number
  /** Hashes in the consistency proof sent (0 for a first anchor, or when nothing was sent). */
  consistencyProofLength: number
  /** True when this call created the log on the chain. */
  createdLog: boolean
  txHash: string | null
  blockNumber: number | null
  blockHash: string | null
}

export type AnchorReturnType = {
  logId: Hex
  checkpoint: { size: number; rootHash: string }
  chains: AnchorChainResult[]
}

/**
 * Anchors the log's latest checkpoint on every chain (signing a new checkpoint first if the log
 * grew): creates the log on a chain that does not know it, sends the checkpoint with a
 * consistency proof from the size the chain holds, then re-reads anchors to mark them final.
 * State is kept per (chain, size) in the store, so a failed chain stays pending, never included.
 *
 * @throws the chain's error code (CHAIN_RPC_UNREACHABLE, CHAIN_INSUFFICIENT_FUNDS, CHAIN_TX_REVERTED, …)
 * with a message naming the chain, when any chain could not be anchored; the others are anchored.
 */
export async function anchor(ctx: AppContext, parameters: AnchorParameters = {}): Promise<AnchorReturnType> {
  const checkpoint = await ctx.issueCheckpoint()
  const chains = await ctx.chains.list(parameters.chains)
  const logId = logIdFromVerifierKey(ctx.logKey)
  const failures: MintmarkError[] = []

  // Per chain: the operator key, the log on chain (created if missing) and the size it holds.
  const prepared = await Promise.all(
    chains.map(async (chain) => {
      try {
        const account = await chain.operator()
        const servedId = await getChainId(chain.publicClient)
        if (servedId !== chain.chainId)
          throw new MintmarkError('CHAIN_ID_MISMATCH', 'The RPC URL serves a different chain than the one configured.', {
            details: `expected chain id ${chain.chainId}, the node reports ${servedId}`,
          })
        const exists = await readContract(chain.publicClient, { address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'logExists', args: [logId] })
        let createdLog = false
        if (!exists) {
          await createLog(chain.wallet(account), { address: chain.contracts.anchor, logId })
          createdLog = true
        }
        const latest = await readContract(chain.publicClient, { address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'latestCheckpoint', args: [logId] })
        return { chain, account, createdLog, previousSize: Number(latest.treeSize) }
      } catch (error) {
        failures.push(namedChainError(chain, toChainError(error, { functionName: 'anchor' }), 'Anchoring', redactRpcUrl(chain.rpcUrl)))
        return undefined
      }
    }),
  )
  const ready = prepared.filter((p) => p !== undefined)

  if (ready.length) {
    const targets: AnchorTarget[] = ready.map(({ chain, account }) => ({
      name: chain.name,
      chainId: chain.chainId,
      rpcUrl: chain.rpcUrl,
      address: chain.contracts.anchor,
      account,
      confirmations: chain.confirmations,
    }))
    const anchorer = createAnchorer({
      logId,
      targets,
      state: createStoreAnchorState(ctx.store, ctx.clock),
      retry: { attempts: 3, initialDelayMs: 250, maxDelayMs: 2_000 },
      pollingIntervalMs: Math.min(...ready.map((r) => r.chain.pollingIntervalMs)),
    })
    const results = await anchorer.submit({
      treeSize: checkpoint.size,
      rootHash: checkpoint.rootHash,
      consistencyProofFrom: async (oldSize) => {
        const plan = consistencyProofPlan(oldSize, checkpoint.size)
        return plan.assemble(await ctx.store.getNodes(plan.nodes))
      },
    })
    for (const r of results) {
      const chain = chains.find((c) => c.chainId === r.chainId) as AppChain
      if (r.error) failures.push(namedChainError(chain, r.error, 'Anchoring'))
    }
    const refreshed = await anchorer.refresh()
    for (const f of refreshed.failed) {
      const chain = chains.find((c) => c.chainId === f.chainId) as AppChain
      failures.push(namedChainError(chain, f.error, 'Re-reading anchors'))
    }
  }

  const out: AnchorChainResult[] = []
  for (const chain of chains) {
    const p = ready.find((r) => r.chain.chainId === chain.chainId)
    const row = await ctx.store.getAnchor(chain.chainId, checkpoint.size)
    const previousSize = p?.previousSize ?? 0
    const sent = previousSize > 0 && previousSize < checkpoint.size
    out.push({
      chain: chain.name,
      chainId: chain.chainId,
      treeSize: checkpoint.size,
      rootHash: checkpoint.rootHash,
      status: row?.status ?? 'pending',
      previousSize,
      consistencyProofLength: sent ? consistencyProofPlan(previousSize, checkpoint.size).nodes.length : 0,
      createdLog: p?.createdLog ?? false,
      txHash: row?.txHash ?? null,
      blockNumber: row?.blockNumber ?? null,
      blockHash: row?.blockHash ?? null,
    })
  }

  const [first, ...more] = failures
  if (first) {
    const anchored = out.filter((r) => r.status !== 'pending').map((r) => `Anchored on ${r.chain} (${r.chainId}) in block ${r.blockNumber}.`)
    const meta = [...more.map((m) => m.shortMessage), ...anchored]
    throw new MintmarkError(first.code, first.shortMessage, { cause: first, details: first.details, metaMessages: meta.length ? meta : undefined })
  }
  return { logId, checkpoint: { size: checkpoint.size, rootHash: checkpoint.rootHash }, chains: out }
}

export type ChainStatus = {
  name: string
  chainId: number
  /** The RPC URL cut to scheme, host and port. */
  rpc: string
  dev: boolean
  reachable: boolean
  error?: { code: string; message: string } | undefined
  headBlock: number | null
  contracts: { anchor: { address: string; hasCode: boolean | null }; licenses: { address: string; hasCode: boolean | null } }
  /** The log's latest anchor on this chain (null: none, or unreachable). */
  anchored: { treeSize: number; rootHash: string } | null
  /** True when the chain holds the local latest checkpoint. */
  upToDate: boolean
  counts: Record<AnchorRowStatus, number>
  /** Why the newest pending anchor is pending, when a try failed. */
  lastError: { treeSize: number; code: string; message: string } | null
  /** The chain index in the store (`mintmark chain sync`): last block indexed (null: never synced) and event counts, final under that block. */
  index: { cursor: number | null; events: ChainEventCounts }
}

export type ChainStatusReturnType = {
  logId: Hex
  local: { size: number; rootHash: string } | null
  chains: ChainStatus[]
}

/** What each chain holds of this log, next to the local latest checkpoint and the anchors table. */
export async function chainStatus(ctx: AppContext, parameters: AnchorParameters = {}): Promise<ChainStatusReturnType> {
  const logId = logIdFromVerifierKey(ctx.logKey)
  const latest = await ctx.store.latestCheckpoint()
  const local = latest ? { size: latest.size, rootHash: Buffer.from(latest.rootHash).toString('hex') } : null
  const chains = await ctx.chains.list(parameters.chains)
  const statuses = await Promise.all(
    chains.map(async (chain): Promise<ChainStatus> => {
      const rows = await ctx.store.listAnchors({ chainId: chain.chainId })
      const counts = { pending: 0, included: 0, final: 0 }
      for (const r of rows) counts[r.status]++
      const failed = rows.filter((r) => r.status === 'pending' && r.lastError).at(-1)
      const base = {
        name: chain.name,
        chainId: chain.chainId,
        rpc: redactRpcUrl(chain.rpcUrl),
        dev: chain.dev,
        counts,
        lastError: failed?.lastError ? { treeSize: failed.treeSize, ...failed.lastError } : null,
        index: await indexedChainSummary(ctx.store, chain),
      }
      try {
        const client = chain.publicClient
        const head = Number(await getBlockNumber(client, { cacheTime: 0 }))
        const [anchorCode, licensesCode] = await Promise.all([
          getCode(client, { address: chain.contracts.anchor }),
          getCode(client, { address: chain.contracts.licenses }),
        ])
        const hasAnchor = Boolean(anchorCode && anchorCode !== '0x')
        let anchored: ChainStatus['anchored'] = null
        if (hasAnchor) {
          const cp = await readContract(client, { address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'latestCheckpoint', args: [logId] })
          if (cp.treeSize > 0n) anchored = { treeSize: Number(cp.treeSize), rootHash: cp.rootHash.slice(2) }
        }
        return {
          ...base,
          reachable: true,
          headBlock: head,
          contracts: {
            anchor: { address: chain.contracts.anchor, hasCode: hasAnchor },
            licenses: { address: chain.contracts.licenses, hasCode: Boolean(licensesCode && licensesCode !== '0x') },
          },
          anchored,
          upToDate: Boolean(local && anchored && anchored.treeSize === local.size && anchored.rootHash === local.rootHash),
        }
      } catch (error) {
        const e = toChainError(error, { functionName: 'chain status' })
        return {
          ...base,
          reachable: false,
          error: { code: e.code, message: e.shortMessage },
          headBlock: null,
          contracts: { anchor: { address: chain.contracts.anchor, hasCode: null }, licenses: { address: chain.contracts.licenses, hasCode: null } },
          anchored: null,
          upToDate: false,
        }
      }
    }),
  )
  return { logId, local, chains: statuses }
}

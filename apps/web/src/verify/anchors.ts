import type { Check, ProvenanceBundle } from '@mintmark/core'
import { mintmarkAnchorAbi } from '@mintmark/chain-abi'
import { type Address, type Hex, type PublicClient, createPublicClient, custom, http } from 'viem'
import { getBlock, getBlockNumber, readContract } from 'viem/actions'
import type { ChainInfo } from '../api/types.js'
import { logIdOf } from '../hex.js'

// Loaded only when a record has anchors to check (viem stays out of the first load).

type Eip1193 = { request(args: { method: string; params?: unknown }): Promise<unknown> }

/**
 * A read client for a chain: its RPC when the server publishes one (the local dev chain), else
 * the browser wallet's provider when it is on that chain. Undefined: the chain cannot be read.
 */
export async function readClientFor(chainId: number, chains: readonly ChainInfo[]): Promise<{ client: PublicClient; via: string } | undefined> {
  const info = chains.find((c) => c.chainId === chainId)
  if (info?.rpcUrl) return { client: createPublicClient({ transport: http(info.rpcUrl, { retryCount: 0, timeout: 8000 }) }), via: `${info.name}’s RPC` }
  const injected = (globalThis as { ethereum?: Eip1193 }).ethereum
  if (injected) {
    try {
      const id = Number(await injected.request({ method: 'eth_chainId' }))
      if (id === chainId) return { client: createPublicClient({ transport: custom(injected) }), via: 'your wallet’s node' }
    } catch {
      // no usable provider
    }
  }
  return undefined
}

/**
 * One CHAIN_ANCHOR check per anchor, as the CLI's verifier does: the anchor names this bundle's
 * log and checkpoint (no network needed), the chain holds the root at that size, and the block the
 * anchor names still has the same hash (else a reorganisation). A chain that cannot be read: skip.
 */
export async function checkAnchors(bundle: ProvenanceBundle, checkpoint: { size: number; rootHash: string } | undefined, chains: readonly ChainInfo[]): Promise<Check[]> {
  const logId = await logIdOf(bundle.logKey)
  return Promise.all(
    bundle.anchors.map(async (a): Promise<Check> => {
      const on = `chain ${chains.find((c) => c.chainId === a.chainId)?.name ?? a.chainId} (${a.chainId})`
      const fail = (error: 'ANCHOR_MISMATCH' | 'ANCHOR_NOT_ON_CHAIN' | 'ANCHOR_REORGED', detail: string): Check => ({ code: 'CHAIN_ANCHOR', status: 'fail', error, detail })
      if (!checkpoint) return fail('ANCHOR_MISMATCH', `Anchor on ${on} not checked: the bundle’s checkpoint does not verify.`)
      if (a.logId !== logId) return fail('ANCHOR_MISMATCH', `The anchor on ${on} is for another log (${a.logId}).`)
      if (a.treeSize !== checkpoint.size || a.rootHash !== checkpoint.rootHash)
        return fail('ANCHOR_MISMATCH', `The anchor on ${on} claims root ${a.rootHash} at size ${a.treeSize}; the checkpoint has ${checkpoint.rootHash} at size ${checkpoint.size}.`)
      const reader = await readClientFor(a.chainId, chains)
      if (!reader) return { code: 'CHAIN_ANCHOR', status: 'skip', detail: `Anchor on ${on}, block ${a.blockNumber}: not checked, this page has no node for that chain (connect a wallet on it to check).` }
      try {
        const onChain = await readContract(reader.client, { address: a.contract as Address, abi: mintmarkAnchorAbi, functionName: 'anchoredRoot', args: [logId, `0x${a.rootHash}` as Hex] })
        if (onChain.treeSize === 0n) return fail('ANCHOR_NOT_ON_CHAIN', `${on} does not hold root ${a.rootHash} for this log at contract ${a.contract}.`)
        if (Number(onChain.treeSize) !== a.treeSize) return fail('ANCHOR_MISMATCH', `${on} holds the root at size ${onChain.treeSize}, not ${a.treeSize}.`)
        const block = await getBlock(reader.client, { blockNumber: BigInt(a.blockNumber) }).catch(() => undefined)
        if (block?.hash !== a.blockHash || Number(onChain.blockNumber) !== a.blockNumber)
          return fail('ANCHOR_REORGED', `Reorganisation on ${on}: block ${a.blockNumber} is now ${block?.hash ?? 'missing'}, not ${a.blockHash}.`)
        const head = Number(await getBlockNumber(reader.client, { cacheTime: 0 }))
        return {
          code: 'CHAIN_ANCHOR',
          status: 'pass',
          detail: `Checkpoint size ${a.treeSize} is anchored on ${on} in block ${a.blockNumber} (${head - a.blockNumber + 1} confirmations), read through ${reader.via}.`,
        }
      } catch (error) {
        return { code: 'CHAIN_ANCHOR', status: 'skip', detail: `Anchor on ${on} not checked: the node did not answer (${(error as Error).message.split('\n')[0]}).` }
      }
    }),
  )
}

/** The latest anchored checkpoint of a log on a chain, or null before its first anchor. */
export async function latestAnchor(client: PublicClient, contract: string, logKey: string) {
  const logId = await logIdOf(logKey)
  const c = await readContract(client, { address: contract as Address, abi: mintmarkAnchorAbi, functionName: 'latestCheckpoint', args: [logId] })
  if (c.treeSize === 0n) return null
  return { treeSize: Number(c.treeSize), blockNumber: Number(c.blockNumber), timestamp: Number(c.timestamp), rootHash: c.rootHash.slice(2) }
}

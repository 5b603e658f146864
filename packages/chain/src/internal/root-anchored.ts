import { type Anchor, MintmarkError } from '@mintmark/core'
import { type Address, getAbiItem, getAddress, type Hex } from 'viem'
import { getLogs } from 'viem/actions'
import { mintmarkAnchorAbi } from '../generated/contracts.js'
import type { ReadClient } from '../types.js'

const rootAnchored = getAbiItem({ abi: mintmarkAnchorAbi, name: 'RootAnchored' })

/**
 * The anchor the `RootAnchored` event of `(logId, treeSize, rootHash)` in `blockNumber` records:
 * the contract's views give the block, the event gives the transaction and block hash.
 * @internal
 */
export async function readAnchorEvent(
  client: ReadClient,
  at: { chainId: number; address: Address; logId: Hex; treeSize: number; rootHash: Hex; blockNumber: bigint },
): Promise<Anchor> {
  const logs = await getLogs(client, {
    address: at.address,
    event: rootAnchored,
    args: { logId: at.logId },
    fromBlock: at.blockNumber,
    toBlock: at.blockNumber,
  })
  const log = logs.find((l) => l.args.rootHash === at.rootHash && l.args.treeSize === BigInt(at.treeSize))
  if (!log || log.blockHash === null || log.transactionHash === null)
    throw new MintmarkError('CHAIN_RPC_ERROR', 'The node has no RootAnchored event for an anchor its contract state records.', {
      details: `log ${at.logId} size ${at.treeSize} block ${at.blockNumber}`,
    })
  return {
    chainId: at.chainId,
    contract: getAddress(at.address),
    logId: at.logId,
    treeSize: at.treeSize,
    rootHash: at.rootHash.slice(2),
    txHash: log.transactionHash,
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
  }
}

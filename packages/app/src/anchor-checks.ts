import { getAnchoredRoot, logIdFromVerifierKey, redactRpcUrl, toChainError } from '@mintmark/chain'
import { type Anchor, type Check, createEd25519NoteVerifier, MintmarkError, openNote, type ProvenanceBundle, parseCheckpoint } from '@mintmark/core'
import { bytesToHex } from '@noble/hashes/utils.js'
import { BlockNotFoundError, createPublicClient, defineChain, http } from 'viem'
import { getBlock, getBlockNumber, getCode } from 'viem/actions'

/** RPC URLs by chain id, for checking anchors (`--rpc 8453=https://…`). */
export type RpcUrls = Readonly<Record<number, string>>

/**
 * Checks each anchor of a bundle, one CHAIN_ANCHOR check per anchor: the anchor names this log
 * (log id from the bundle's log key) and the checkpoint's size and root; with an RPC URL for its
 * chain, the contract holds that root at that size (`getAnchoredRoot`) and the block the anchor
 * names still has the same hash (else a reorg). No RPC for a chain: skip. An RPC that fails: skip,
 * naming the error (the artifact is not at fault).
 */
export async function checkAnchors(bundle: ProvenanceBundle, rpc: RpcUrls): Promise<Check[]> {
  if (!bundle.anchors.length) return []
  let checkpoint: { size: number; rootHash: string } | undefined
  try {
    const opened = openNote(bundle.checkpoint, [createEd25519NoteVerifier(bundle.logKey)])
    const parsed = parseCheckpoint(opened.text)
    checkpoint = { size: parsed.size, rootHash: bytesToHex(parsed.rootHash) }
  } catch {
    checkpoint = undefined
  }
  let logId: string | undefined
  try {
    logId = logIdFromVerifierKey(bundle.logKey)
  } catch {
    logId = undefined
  }
  return Promise.all(bundle.anchors.map((a) => checkAnchor(a, { checkpoint, logId, rpc })))
}

async function checkAnchor(
  anchor: Anchor,
  context: { checkpoint: { size: number; rootHash: string } | undefined; logId: string | undefined; rpc: RpcUrls },
): Promise<Check> {
  const on = `chain ${anchor.chainId}`
  const fail = (error: 'ANCHOR_MISMATCH' | 'ANCHOR_NOT_ON_CHAIN' | 'ANCHOR_REORGED', detail: string): Check => ({ code: 'CHAIN_ANCHOR', status: 'fail', error, detail })
  const { checkpoint } = context
  if (!checkpoint) return fail('ANCHOR_MISMATCH', `Anchor on ${on} not checked: the bundle's checkpoint does not verify under its log key.`)
  if (anchor.logId !== context.logId) return fail('ANCHOR_MISMATCH', `The anchor on ${on} is for log ${anchor.logId}, not this bundle's log ${context.logId}.`)
  if (anchor.treeSize !== checkpoint.size || anchor.rootHash !== checkpoint.rootHash)
    return fail(
      'ANCHOR_MISMATCH',
      `The anchor on ${on} claims root ${anchor.rootHash} at size ${anchor.treeSize}; the checkpoint has root ${checkpoint.rootHash} at size ${checkpoint.size}.`,
    )
  const url = context.rpc[anchor.chainId]
  if (!url)
    return {
      code: 'CHAIN_ANCHOR',
      status: 'skip',
      detail: `Anchor on ${on} (block ${anchor.blockNumber}) not checked: no RPC for chain ${anchor.chainId} (pass --rpc ${anchor.chainId}=URL).`,
    }
  const chain = defineChain({ id: anchor.chainId, name: on, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
  const client = createPublicClient({ chain, transport: http(url, { retryCount: 0, timeout: 10_000 }) })
  try {
    const code = await getCode(client, { address: anchor.contract as `0x${string}` })
    if (!code || code === '0x') return fail('ANCHOR_NOT_ON_CHAIN', `${capital(on)} has no contract at ${anchor.contract}, the address the anchor names.`)
    const onChain = await getAnchoredRoot(client, { address: anchor.contract as `0x${string}`, logId: anchor.logId, rootHash: anchor.rootHash })
    if (!onChain) return fail('ANCHOR_NOT_ON_CHAIN', `${capital(on)} does not hold root ${anchor.rootHash} for this log at contract ${anchor.contract}.`)
    if (onChain.treeSize !== anchor.treeSize)
      return fail('ANCHOR_MISMATCH', `${capital(on)} holds the root at size ${onChain.treeSize}, not ${anchor.treeSize} as the anchor claims.`)
    let blockHash: string | undefined
    try {
      blockHash = (await getBlock(client, { blockNumber: BigInt(anchor.blockNumber) })).hash ?? undefined
    } catch (error) {
      if (!(error instanceof BlockNotFoundError)) throw error
    }
    if (blockHash !== anchor.blockHash || onChain.blockNumber !== anchor.blockNumber)
      return fail(
        'ANCHOR_REORGED',
        `Reorg on ${on}: block ${anchor.blockNumber} is now ${blockHash ?? 'missing'}, not ${anchor.blockHash}` +
          (onChain.blockNumber !== anchor.blockNumber ? `; the root is anchored again in block ${onChain.blockNumber}.` : '.'),
      )
    const head = Number(await getBlockNumber(client, { cacheTime: 0 }))
    return {
      code: 'CHAIN_ANCHOR',
      status: 'pass',
      detail: `Checkpoint size ${anchor.treeSize} is anchored on ${on} in block ${anchor.blockNumber} (${head - anchor.blockNumber + 1} confirmations), tx ${anchor.txHash}.`,
    }
  } catch (error) {
    const e = error instanceof MintmarkError ? error : toChainError(error, { functionName: 'anchor check' })
    return { code: 'CHAIN_ANCHOR', status: 'skip', detail: `Anchor on ${on} not checked: ${e.code} ${e.shortMessage} (RPC ${redactRpcUrl(url)}).` }
  }
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

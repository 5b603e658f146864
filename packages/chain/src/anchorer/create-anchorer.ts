import { type Anchor, errorCodes, MintmarkError, verifyConsistencyProof } from '@mintmark/core'
import { type Account, type Address, BlockNotFoundError, createWalletClient, defineChain, getAddress, type Hex, hexToBytes, http, zeroHash } from 'viem'
import { getBlock, getBlockNumber, getChainId, readContract } from 'viem/actions'
import { anchorCheckpoint } from '../actions/anchor-checkpoint.js'
import { getAnchoredRoot } from '../actions/get-anchored-root.js'
import { mintmarkAnchorAbi } from '../generated/contracts.js'
import { chainIdMismatch, toChainError } from '../internal/errors.js'
import { type Bytes32Like, toBytes32, toSafeCount } from '../internal/hex.js'
import type { WriteClient } from '../types.js'
import type { AnchorRecord, AnchorStateStore } from './anchor-state.js'

/** One chain the anchorer anchors the log on. */
export type AnchorTarget = {
  /** A name for results and logs; unique among the targets. */
  name: string
  chainId: number
  rpcUrl: string
  /** The MintmarkAnchor contract. */
  address: Address
  /** An operator of the log on this chain (a viem local account, usually). */
  account: Account
  /** Blocks, the anchor's own included, before an anchor is final: 1 = its block exists. */
  confirmations: number
}

/** A checkpoint of the log to anchor. */
export type AnchorerCheckpoint = {
  treeSize: number
  rootHash: Bytes32Like
  /** RFC 9162 consistency proof from `oldSize` (the chain's latest anchored size) to `treeSize`. */
  consistencyProofFrom(oldSize: number): readonly Bytes32Like[] | Promise<readonly Bytes32Like[]>
}

export type AnchorerRetryOptions = {
  /** Tries per target per call, the first included; default 5. */
  attempts?: number | undefined
  /** Delay before the second try, doubled each time; default 500 ms. */
  initialDelayMs?: number | undefined
  /** Longest delay; default 30 s. */
  maxDelayMs?: number | undefined
}

export type CreateAnchorerParameters = {
  /** The log's id on every target, see {@link logIdFromVerifierKey}. */
  logId: Bytes32Like
  targets: readonly AnchorTarget[]
  state: AnchorStateStore
  retry?: AnchorerRetryOptions | undefined
  /** Per RPC request; default 10 s. */
  requestTimeoutMs?: number | undefined
  /** Receipt polling interval; default 1 s. */
  pollingIntervalMs?: number | undefined
}

/** What happened to one checkpoint on one target. */
export type AnchorerResult = {
  target: string
  chainId: number
  record: AnchorRecord
  /** The anchor as bundles carry it, once included. */
  anchor: Anchor | undefined
  /** Why the record is still pending, when a try failed. */
  error: MintmarkError | undefined
}

export type AnchorerRefreshReturnType = {
  /** Records whose status changed, or that were resubmitted, with their new state. */
  changed: AnchorerResult[]
  /** Targets that could not be read this time; their records are unchanged. */
  failed: { target: string; chainId: number; error: MintmarkError }[]
}

export type Anchorer = {
  /**
   * Anchors the checkpoint on every target, each independently and concurrently: a target that is
   * down is retried with exponential backoff and reported failed without holding up the others.
   * Idempotent: a checkpoint already included (in the state or on chain) sends no transaction.
   */
  submit(checkpoint: AnchorerCheckpoint): Promise<AnchorerResult[]>
  /**
   * Re-reads every included anchor: `confirmations` deep with its block hash unchanged → final;
   * block gone or changed (reorg) → pending. Then resubmits the pending checkpoints this anchorer
   * was given (after a restart, call `submit` again for the pending records in the state).
   */
  refresh(): Promise<AnchorerRefreshReturnType>
}

/**
 * Creates an anchorer for one log over several chains. State moves per `(chainId, treeSize)`:
 * pending → included (a receipt) → final (`confirmations` deep, block hash re-checked), and back
 * to pending if a reorg drops the block. Before sending, it reads the chain's latest anchor, asks
 * the checkpoint for a consistency proof from that size and checks it locally, so a fork costs no gas.
 * Calls on one target run one at a time (no nonce races); targets run in parallel.
 *
 * @example
 * const anchorer = createAnchorer({
 *   logId,
 *   targets: [{ name: 'base', chainId: 8453, rpcUrl, address, account: privateKeyToAccount(key), confirmations: 12 }],
 *   state: createMemoryAnchorState(),
 * })
 * await anchorer.submit({ treeSize: tree.size, rootHash: tree.root(), consistencyProofFrom: (m) => tree.consistencyProof(m) })
 * await anchorer.refresh()
 */
export function createAnchorer(parameters: CreateAnchorerParameters): Anchorer {
  const logId = toBytes32(parameters.logId, 'logId')
  const { state } = parameters
  const attempts = parameters.retry?.attempts ?? 5
  const initialDelayMs = parameters.retry?.initialDelayMs ?? 500
  const maxDelayMs = parameters.retry?.maxDelayMs ?? 30_000
  if (!Number.isInteger(attempts) || attempts < 1) throw new MintmarkError('INPUT_INVALID', 'retry.attempts must be ≥ 1.', { fields: ['retry.attempts'] })
  for (const [i, t] of parameters.targets.entries()) toSafeCount(t.confirmations, `targets.${i}.confirmations`, { min: 1 })
  const names = new Set(parameters.targets.map((t) => t.name))
  const chainIds = new Set(parameters.targets.map((t) => t.chainId))
  if (names.size !== parameters.targets.length || chainIds.size !== parameters.targets.length)
    throw new MintmarkError('INPUT_INVALID', 'Anchor targets need distinct names and chain ids.', { fields: ['targets'] })

  const targets = parameters.targets.map((target) => ({ ...target, client: createTargetClient(target, parameters), queue: Promise.resolve() as Promise<unknown> }))
  type Target = (typeof targets)[number]
  /** Checkpoints some target may still have to (re)send: after a reorg or an outage. */
  const checkpoints = new Map<number, AnchorerCheckpoint>()

  /** Runs calls on one target one after another. */
  const serialized = <value>(target: Target, fn: () => Promise<value>): Promise<value> => {
    const run = target.queue.then(fn, fn)
    target.queue = run.catch(() => undefined)
    return run
  }

  const result = (target: Target, record: AnchorRecord, error?: MintmarkError): AnchorerResult => ({
    target: target.name,
    chainId: target.chainId,
    record,
    anchor: toAnchor(record),
    error,
  })

  /** Reads the chain, then sends at most one anchor transaction; returns the anchor either way. */
  async function ensureAnchored(target: Target, checkpoint: AnchorerCheckpoint, treeSize: number, rootHash: Hex): Promise<Anchor> {
    const { client } = target
    const chainId = await getChainId(client)
    if (chainId !== target.chainId) throw chainIdMismatch(target.chainId, chainId)
    const latest = await readContract(client, { address: target.address, abi: mintmarkAnchorAbi, functionName: 'latestCheckpoint', args: [logId] })
    const latestSize = Number(latest.treeSize)
    if (latestSize >= treeSize) {
      const onChain =
        latestSize === treeSize
          ? latest.rootHash
          : await readContract(client, { address: target.address, abi: mintmarkAnchorAbi, functionName: 'rootAt', args: [logId, BigInt(treeSize)] })
      if (onChain === rootHash) {
        const anchor = await getAnchoredRoot(client, { address: target.address, logId, rootHash })
        if (anchor) return anchor
        throw new MintmarkError('CHAIN_RPC_ERROR', 'The chain changed while the anchor was read (a reorg?); reading again.')
      }
      if (onChain === zeroHash)
        throw new MintmarkError('ANCHOR_SUPERSEDED', 'The chain already holds a larger anchor of this log.', {
          details: `latest anchored size ${latestSize}, checkpoint size ${treeSize}`,
        })
      throw new MintmarkError('ANCHOR_FORKED_LOG', 'The chain holds a different root for this tree size.', {
        details: `size ${treeSize}: chain ${onChain}, checkpoint ${rootHash}`,
      })
    }
    const proof = latestSize === 0 ? [] : (await checkpoint.consistencyProofFrom(latestSize)).map((p, i) => toBytes32(p, `consistencyProof.${i}`))
    const consistent =
      latestSize === 0 ||
      verifyConsistencyProof({
        oldSize: latestSize,
        newSize: treeSize,
        oldRoot: hexToBytes(latest.rootHash),
        newRoot: hexToBytes(rootHash),
        proof: proof.map((p) => hexToBytes(p)),
      })
    if (!consistent)
      throw new MintmarkError('ANCHOR_FORKED_LOG', 'The checkpoint does not extend the root anchored on this chain (checked before sending).', {
        details: `anchored size ${latestSize} root ${latest.rootHash}; checkpoint size ${treeSize} root ${rootHash}`,
      })
    return anchorCheckpoint(client, { address: target.address, logId, treeSize, rootHash, consistencyProof: proof })
  }

  async function anchorOn(target: Target, checkpoint: AnchorerCheckpoint, treeSize: number, rootHash: Hex): Promise<AnchorerResult> {
    const existing = await state.get(target.chainId, treeSize)
    if (existing && existing.rootHash !== rootHash) {
      const error = new MintmarkError('ANCHOR_FORKED_LOG', 'A different root of this tree size was submitted before.', {
        details: `size ${treeSize}: recorded ${existing.rootHash}, now ${rootHash}`,
      })
      return result(target, existing, error)
    }
    if (existing && existing.status !== 'pending') return result(target, existing)
    let record: AnchorRecord = existing ?? {
      chainId: target.chainId,
      treeSize,
      rootHash,
      logId,
      contract: getAddress(target.address),
      status: 'pending',
      txHash: undefined,
      blockNumber: undefined,
      blockHash: undefined,
      attempts: 0,
      lastError: undefined,
    }
    let reread = false
    for (let attempt = 1; ; attempt++) {
      record = { ...record, attempts: record.attempts + 1 }
      try {
        const anchor = await ensureAnchored(target, checkpoint, treeSize, rootHash)
        record = { ...record, status: 'included', txHash: anchor.txHash as Hex, blockNumber: anchor.blockNumber, blockHash: anchor.blockHash as Hex, lastError: undefined }
        await state.put(record)
        return result(target, record)
      } catch (cause) {
        const error = toChainError(cause, { contract: 'MintmarkAnchor', functionName: 'anchor' })
        record = { ...record, lastError: { code: error.code, message: error.shortMessage } }
        await state.put(record)
        // Someone anchored it between our read and our send (refused at estimation, or mined
        // and reverted when the other transaction won the race): read the chain again at once.
        const readAgain: boolean = error.code === 'ANCHOR_ALREADY_ANCHORED' || (error.code === 'CHAIN_TX_REVERTED' && !reread)
        reread ||= readAgain
        if ((!error.retry && !readAgain) || attempt >= attempts) return result(target, record, error)
        if (!readAgain) await new Promise((r) => setTimeout(r, Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1))))
      }
    }
  }

  async function refreshTarget(target: Target): Promise<AnchorerRefreshReturnType> {
    const { client } = target
    const changed: AnchorerResult[] = []
    const unreachable = (cause: unknown) => ({
      changed,
      failed: [{ target: target.name, chainId: target.chainId, error: toChainError(cause, { functionName: `refresh ${target.name}` }) }],
    })
    let head: number
    try {
      head = Number(await getBlockNumber(client, { cacheTime: 0 }))
    } catch (cause) {
      return unreachable(cause)
    }
    for (const record of await state.list({ chainId: target.chainId, status: 'included' })) {
      const blockNumber = record.blockNumber as number
      let blockHash: Hex | undefined
      try {
        blockHash = (await getBlock(client, { blockNumber: BigInt(blockNumber) })).hash
      } catch (cause) {
        if (!(cause instanceof BlockNotFoundError)) return unreachable(cause)
      }
      if (blockHash !== record.blockHash) {
        const next: AnchorRecord = {
          ...record,
          status: 'pending',
          txHash: undefined,
          blockNumber: undefined,
          blockHash: undefined,
          lastError: { code: 'ANCHOR_REORGED', message: `Block ${blockNumber} (${record.blockHash}) with transaction ${record.txHash} is no longer on the chain.` },
        }
        await state.put(next)
        changed.push(result(target, next))
      } else if (head - blockNumber + 1 >= target.confirmations) {
        const next: AnchorRecord = { ...record, status: 'final' }
        await state.put(next)
        changed.push(result(target, next))
      }
    }
    for (const record of await state.list({ chainId: target.chainId, status: 'pending' })) {
      const checkpoint = checkpoints.get(record.treeSize)
      // Forks and superseded sizes are not retried; they stay pending with their error.
      if (!checkpoint || (record.lastError && !errorCodes[record.lastError.code].retry)) continue
      const retried = await anchorOn(target, checkpoint, record.treeSize, record.rootHash)
      const index = changed.findIndex((c) => c.record.treeSize === record.treeSize)
      if (index >= 0) changed.splice(index, 1)
      changed.push(retried)
    }
    return { changed, failed: [] }
  }

  /** Runs `fn` on every target; a store failure (not a chain failure) rejects, after all finished. */
  async function onEveryTarget<value>(fn: (target: Target) => Promise<value>): Promise<value[]> {
    const settled = await Promise.allSettled(targets.map((target) => serialized(target, () => fn(target))))
    const failed = settled.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    return settled.map((s) => (s as PromiseFulfilledResult<value>).value)
  }

  return {
    async submit(checkpoint) {
      const treeSize = toSafeCount(checkpoint.treeSize, 'treeSize', { min: 1 })
      const rootHash = toBytes32(checkpoint.rootHash, 'rootHash')
      checkpoints.set(treeSize, checkpoint)
      return onEveryTarget((target) => anchorOn(target, checkpoint, treeSize, rootHash))
    },
    async refresh() {
      const perTarget = await onEveryTarget(refreshTarget)
      // Keep a checkpoint while some target may still need it sent: included (a reorg may drop
      // it) or pending with a retryable error. Final, forked and superseded records never will.
      for (const treeSize of checkpoints.keys()) {
        const records = await Promise.all(targets.map((t) => state.get(t.chainId, treeSize)))
        const mayResend = (r: AnchorRecord | undefined) =>
          !r || r.status === 'included' || (r.status === 'pending' && (!r.lastError || errorCodes[r.lastError.code].retry))
        if (!records.some(mayResend)) checkpoints.delete(treeSize)
      }
      return { changed: perTarget.flatMap((r) => r.changed), failed: perTarget.flatMap((r) => r.failed) }
    },
  }
}
function createTargetClient(target: AnchorTarget, parameters: CreateAnchorerParameters): WriteClient {
  const chain = defineChain({
    id: target.chainId,
    name: target.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [target.rpcUrl] } },
  })
  // No transport-level retries: the anchorer's backoff is the only retry loop.
  const transport = http(target.rpcUrl, { retryCount: 0, timeout: parameters.requestTimeoutMs ?? 10_000 })
  return createWalletClient({ account: target.account, chain, transport, pollingInterval: parameters.pollingIntervalMs ?? 1_000 })
}

function toAnchor(record: AnchorRecord): Anchor | undefined {
  if (record.status === 'pending' || !record.txHash || record.blockNumber === undefined || !record.blockHash) return undefined
  return {
    chainId: record.chainId,
    contract: record.contract,
    logId: record.logId,
    treeSize: record.treeSize,
    rootHash: record.rootHash.slice(2),
    txHash: record.txHash,
    blockNumber: record.blockNumber,
    blockHash: record.blockHash,
  }
}

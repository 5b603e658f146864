import { bytesToHex } from '@noble/hashes/utils.js'
import {
  type Clock,
  type LogEntry,
  MintmarkError,
  type ProvenanceBundle,
  bundleMediaType,
  consistencyProofPlan,
  decodeLogEntry,
  formatCheckpoint,
  inclusionProofPlan,
  signNote,
  verifyConsistencyProof,
  type Did,
} from '@mintmark/core'
import { createSqliteStore, readKeyFile } from '@mintmark/storage'
import { openBlobStore, resolveBlobsConfig } from './blobs-config.js'
import { rowToBundleAnchor } from './anchor-state.js'
import type { ChainManager } from './chain.js'
import { homePaths, type HomeConfig, logNoteSigner, logVerifierKey, readConfig } from './home.js'
import { createNodeEd25519Signer } from './node-signer.js'

export type OpenAppParameters = {
  home: string
  /** Passphrase of the creator key, when it is encrypted. Only needed to sign. */
  passphrase?: string | undefined
  clock?: Clock | undefined
  /** Environment for chain keys (MINTMARK_CHAIN_KEY) and S3 blobs (MINTMARK_S3_*); default process.env. */
  env?: NodeJS.ProcessEnv | undefined
}

export type Checkpointed = { size: number; rootHash: string; note: string; createdAt: string }

/**
 * Opens a Mintmark home and returns the context every operation (register, verify, export, log
 * proofs) runs against. Close it when done.
 */
export async function openApp(parameters: OpenAppParameters) {
  const paths = homePaths(parameters.home)
  const config: HomeConfig = await readConfig(paths.config)
  const store = createSqliteStore({ path: paths.db })
  const blobs = await openBlobStore(resolveBlobsConfig(config.blobs, parameters.env ?? process.env), { root: paths.root, profile: config.profile })
  const clock: Clock = parameters.clock ?? { now: () => new Date() }
  const logKeyFile = await readKeyFile(paths.logKey, {})
  const noteSigner = logNoteSigner(config.logOrigin, logKeyFile.secretKey)
  const logKey = logVerifierKey(config.logOrigin, logKeyFile.secretKey)
  // The chain manager (viem, the dev chain) is loaded on first use: most operations never touch a
  // chain, and loading viem would add about half a second to every command's start-up.
  let manager: Promise<ChainManager> | undefined
  const loadChains = () =>
    (manager ??= import('./chain.js').then((m) =>
      m.createChainManager({ chains: config.chains, home: paths.root, devChainDir: paths.devChain, env: parameters.env ?? process.env }),
    ))
  const chains: ChainManager = {
    configured: (config.chains ?? []).length > 0,
    list: async (names) => (await loadChains()).list(names),
    rpcUrls: async (chainIds) => (await loadChains()).rpcUrls(chainIds),
    close: async () => {
      if (manager) await (await manager).close()
    },
  }
  let signer: ReturnType<typeof createNodeEd25519Signer> | undefined

  async function getSigner() {
    if (!signer) {
      const { secretKey, did } = await readKeyFile(paths.creatorKey, { passphrase: parameters.passphrase })
      signer = createNodeEd25519Signer(secretKey, did as Did)
    }
    return signer
  }

  /**
   * Signs a checkpoint for the current tree if it grew. Before signing, the new root is checked
   * against the last signed one with a consistency proof from stored nodes: the log never signs a
   * head that is not an extension of the heads it signed before.
   */
  let checkpointing: Promise<unknown> = Promise.resolve()
  function issueCheckpoint(): Promise<Checkpointed> {
    // Serialised: two concurrent callers must not race to sign the same size.
    const next = checkpointing.then(signCheckpoint, signCheckpoint)
    checkpointing = next.catch(() => {})
    return next
  }

  async function signCheckpoint(): Promise<Checkpointed> {
    const size = store.size()
    const last = store.latestCheckpoint()
    if (last && last.size === size) return toCheckpointed(last)
    if (last && last.size > size)
      throw new MintmarkError('LOG_ROOT_MISMATCH', `The log has ${size} entries but a checkpoint was signed at ${last.size}.`)
    if (size === 0) throw new MintmarkError('CHECKPOINT_NOT_FOUND', 'The log is empty: there is nothing to checkpoint yet.')
    const rootHash = store.rootAt(size)
    if (last) {
      const plan = consistencyProofPlan(last.size, size)
      const proof = plan.assemble(store.getNodes(plan.nodes))
      if (!verifyConsistencyProof({ oldSize: last.size, newSize: size, oldRoot: last.rootHash, newRoot: rootHash, proof }))
        throw new MintmarkError('LOG_ROOT_MISMATCH', `Refusing to sign: the tree at size ${size} is not consistent with the checkpoint at ${last.size}.`)
    }
    const body = formatCheckpoint({ origin: config.logOrigin, size, rootHash, extensions: [] })
    const note = await signNote(body, [noteSigner])
    const c = { size, rootHash, note, createdAt: clock.now().toISOString() }
    store.putCheckpoint(c)
    return toCheckpointed(c)
  }

  /**
   * The bundle for one log entry, proven against the newest checkpoint that holds it and is anchored
   * on some chain (with those anchors), else against the first checkpoint that holds it (signing
   * one if needed). Pass the entry when the caller already decoded it, to skip a second read and decode.
   */
  async function bundleForEntry(index: number, decoded?: LogEntry): Promise<ProvenanceBundle> {
    let entry = decoded
    if (!entry) {
      const stored = store.getEntry(index)
      if (!stored) throw new MintmarkError('LOG_ENTRY_NOT_FOUND', `No log entry ${index}.`)
      entry = decodeLogEntry(stored.data)
    }
    const anchored = store.anchoredCheckpointCovering(index)
    const checkpoint = anchored?.checkpoint ?? store.checkpointCovering(index) ?? (await issueCheckpoint())
    const plan = inclusionProofPlan(index, checkpoint.size)
    const hashes = plan.assemble(store.getNodes(plan.nodes)).map((h) => bytesToHex(h))
    return {
      mediaType: bundleMediaType,
      entry,
      inclusion: { logIndex: index, treeSize: checkpoint.size, hashes },
      checkpoint: checkpoint.note,
      logKey,
      anchors: (anchored?.anchors ?? []).map(rowToBundleAnchor),
    }
  }

  /** Every claim on an asset, oldest first, decoded, with its stored leaf hash. */
  function entriesFor(cid: string): { index: number; leafHash: Uint8Array; entry: LogEntry }[] {
    return store.entriesForAsset(cid).map((e) => ({ index: e.index, leafHash: e.leafHash, entry: decodeLogEntry(e.data) }))
  }

  return {
    home: paths.root,
    config,
    store,
    blobs,
    clock,
    logKey,
    getSigner,
    issueCheckpoint,
    bundleForEntry,
    entriesFor,
    /** The chains of this home; the dev chain starts on first use and stops on close. */
    chains,
    /** Closes the store at once; the returned promise settles when a started dev chain has stopped. */
    close(): Promise<void> {
      store.close()
      blobs.close()
      return chains.close()
    },
  }
}

export type AppContext = Awaited<ReturnType<typeof openApp>>

function toCheckpointed(c: { size: number; rootHash: Uint8Array; note: string; createdAt: string }): Checkpointed {
  return { size: c.size, rootHash: bytesToHex(c.rootHash), note: c.note, createdAt: c.createdAt }
}

import { readFileSync, statSync } from 'node:fs'
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
import { type AppendResult, type AsyncStore, type EntryDraft, type SqliteStore, createSqliteStore, readKeyFile, toAsyncStore } from '@mintmark/storage'
import type { PostgresLogStore, SequencerEvent } from '@mintmark/storage/postgres'
import { resolveDatabaseConfig } from './database-config.js'
import type { PostgresLog } from './postgres-log.js'
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
  /** Environment for chain keys (MINTMARK_CHAIN_KEY), S3 blobs (MINTMARK_S3_*) and the database (MINTMARK_DATABASE_URL); default process.env. */
  env?: NodeJS.ProcessEnv | undefined
  /**
   * PostgreSQL only: start this node's sequencer at once (`serve`), instead of on the first
   * append or checkpoint the process needs (CLI commands; read-only ones never start it).
   */
  startSequencer?: boolean | undefined
  /** PostgreSQL only: this node's name as the sequencer holder (default host:pid). */
  nodeId?: string | undefined
  /** PostgreSQL only: the sequencer's events (role changes, appends, checkpoints, errors). */
  onSequencerEvent?: ((event: SequencerEvent) => void) | undefined
}

/** How long a PostgreSQL node waits for the sequencer holder's checkpoint. */
const checkpointWaitMs = 30_000

export type Checkpointed = { size: number; rootHash: string; note: string; createdAt: string }

/**
 * Opens a Mintmark home and returns the context every operation (register, verify, export, log
 * proofs) runs against. Close it when done.
 */
export async function openApp(parameters: OpenAppParameters) {
  const paths = homePaths(parameters.home)
  const config: HomeConfig = await readConfig(paths.config)
  const env = parameters.env ?? process.env
  const database = resolveDatabaseConfig(config.database, env)
  const blobsConfig = resolveBlobsConfig(config.blobs, env)
  const clock: Clock = parameters.clock ?? { now: () => new Date() }
  const logKeyFile = await readKeyFile(paths.logKey, {})
  const noteSigner = logNoteSigner(config.logOrigin, logKeyFile.secretKey)
  const logKey = logVerifierKey(config.logOrigin, logKeyFile.secretKey)

  // A frozen log takes no more entries (ADR 0016). The freeze may come from another process while
  // this one serves: every append looks at the config file's mtime and re-reads it when it changed
  // (the file is replaced by rename, so a read sees the old or the new one, never half).
  let configStamp = statSync(paths.config, { throwIfNoEntry: false })?.mtimeMs
  let frozen = config.frozen
  function assertWritable(): void {
    const stamp = statSync(paths.config, { throwIfNoEntry: false })?.mtimeMs
    if (stamp !== configStamp) {
      configStamp = stamp
      try {
        frozen = (JSON.parse(readFileSync(paths.config, 'utf8')) as HomeConfig).frozen
      } catch {
        // Unreadable right now: keep the last state known (a freeze is never undone by this).
      }
    }
    if (frozen)
      throw new MintmarkError('LOG_FROZEN', `This log was frozen at size ${frozen.size} (${frozen.at}); it takes no more entries.`, {
        metaMessages: ['Register into the log that replaced it (docs/deployment.md, "Rotating the log key").'],
      })
  }

  // SQLite: the home's own file, appended to directly. PostgreSQL: the shared database, appended
  // to through the queue and the one sequencer (pg loads only then).
  let sqlite: SqliteStore | undefined
  let postgres: PostgresLog | undefined
  let store: AsyncStore
  if (database.type === 'sqlite') {
    sqlite = createSqliteStore({ path: paths.db })
    store = toAsyncStore(sqlite)
  } else {
    const { openPostgresLog } = await import('./postgres-log.js')
    postgres = await openPostgresLog({
      url: database.url,
      origin: config.logOrigin,
      noteSigner,
      checkpoint: config.checkpoint,
      nodeId: parameters.nodeId,
      onSequencerEvent: parameters.onSequencerEvent,
    })
    store = postgres.store
    if (parameters.startSequencer) postgres.startSequencer()
  }
  const blobs = await openBlobStore(blobsConfig, { root: paths.root, profile: config.profile }).catch(async (error: unknown) => {
    await (postgres ? postgres.close() : store.close()).catch(() => {})
    throw error
  })
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
    if (postgres) return awaitHolderCheckpoint(postgres)
    // Serialised: two concurrent callers must not race to sign the same size.
    const next = checkpointing.then(signCheckpoint, signCheckpoint)
    checkpointing = next.catch(() => {})
    return next
  }

  async function signCheckpoint(): Promise<Checkpointed> {
    const size = await store.size()
    const last = await store.latestCheckpoint()
    if (last && last.size === size) return toCheckpointed(last)
    if (last && last.size > size)
      throw new MintmarkError('LOG_ROOT_MISMATCH', `The log has ${size} entries but a checkpoint was signed at ${last.size}.`)
    if (size === 0) throw new MintmarkError('CHECKPOINT_NOT_FOUND', 'The log is empty: there is nothing to checkpoint yet.')
    const rootHash = await store.rootAt(size)
    if (last) {
      const plan = consistencyProofPlan(last.size, size)
      const proof = plan.assemble(await store.getNodes(plan.nodes))
      if (!verifyConsistencyProof({ oldSize: last.size, newSize: size, oldRoot: last.rootHash, newRoot: rootHash, proof }))
        throw new MintmarkError('LOG_ROOT_MISMATCH', `Refusing to sign: the tree at size ${size} is not consistent with the checkpoint at ${last.size}.`)
    }
    const body = formatCheckpoint({ origin: config.logOrigin, size, rootHash, extensions: [] })
    const note = await signNote(body, [noteSigner])
    const c = { size, rootHash, note, createdAt: clock.now().toISOString() }
    await store.putCheckpoint(c)
    return toCheckpointed(c)
  }

  /**
   * PostgreSQL: only the sequencer holder signs (in its append transaction, after the same
   * consistency check). A node that needs a checkpoint covering the current log waits for it;
   * its own sequencer competes for the role, so a lone CLI process signs it itself.
   */
  async function awaitHolderCheckpoint(pg: PostgresLog): Promise<Checkpointed> {
    const size = await store.size()
    if (size === 0) throw new MintmarkError('CHECKPOINT_NOT_FOUND', 'The log is empty: there is nothing to checkpoint yet.')
    const deadline = Date.now() + checkpointWaitMs
    for (;;) {
      const last = await store.latestCheckpoint()
      if (last && last.size >= size) return toCheckpointed(last)
      pg.startSequencer()
      if (Date.now() > deadline)
        throw new MintmarkError('LOG_SEQUENCING_TIMEOUT', `No checkpoint covering the ${size} entries of the log was signed within ${checkpointWaitMs / 1000} s.`, {
          metaMessages: ['Checkpoints are signed by the node holding the sequencer role; check that one is running (GET /healthz shows the role).'],
        })
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /**
   * The bundle for one log entry, proven against the newest checkpoint that holds it and is anchored
   * on some chain (with those anchors), else against the first checkpoint that holds it (signing
   * one if needed). Pass the entry when the caller already decoded it, to skip a second read and decode.
   */
  async function bundleForEntry(index: number, decoded?: LogEntry): Promise<ProvenanceBundle> {
    let entry = decoded
    if (!entry) {
      const stored = await store.getEntry(index)
      if (!stored) throw new MintmarkError('LOG_ENTRY_NOT_FOUND', `No log entry ${index}.`)
      entry = decodeLogEntry(stored.data)
    }
    const anchored = await store.anchoredCheckpointCovering(index)
    const checkpoint = anchored?.checkpoint ?? (await store.checkpointCovering(index)) ?? (await issueCheckpoint())
    const plan = inclusionProofPlan(index, checkpoint.size)
    const hashes = plan.assemble(await store.getNodes(plan.nodes)).map((h) => bytesToHex(h))
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
  async function entriesFor(cid: string): Promise<{ index: number; leafHash: Uint8Array; entry: LogEntry }[]> {
    return (await store.entriesForAsset(cid)).map((e) => ({ index: e.index, leafHash: e.leafHash, entry: decodeLogEntry(e.data) }))
  }

  return {
    home: paths.root,
    config,
    store,
    /**
     * The embedded SQLite store itself, for the few features that need it synchronously (audit's
     * integrity check, watermarked registration); undefined on PostgreSQL.
     */
    sqlite: sqlite as SqliteStore | undefined,
    /** Which database the home runs on. */
    database: database.type,
    /**
     * Appends entries and resolves once they are durably in the log (index known): one SQLite
     * transaction, or on PostgreSQL the queue (durable at enqueue) and the sequencer.
     */
    appendEntries: async (drafts: readonly EntryDraft[]): Promise<AppendResult[]> => {
      assertWritable()
      return postgres ? postgres.appendEntries(drafts) : store.appendEntries(drafts)
    },
    /** LOG_FROZEN when the log was frozen (for the few paths that append without `appendEntries`). */
    assertWritable,
    /** PostgreSQL: this node's sequencer (status, events); undefined on SQLite. */
    sequencer: postgres?.sequencer,
    /** PostgreSQL: the store's connection pool, for the server's own tables (API keys, search, agents). */
    pool: postgres?.store.pool as PostgresLogStore['pool'] | undefined,
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
      // Both closes start at once (SQLite closes synchronously inside the call, as before).
      const closing = postgres ? postgres.close() : store.close()
      blobs.close()
      return Promise.all([closing, chains.close()]).then(() => {})
    },
  }
}

export type AppContext = Awaited<ReturnType<typeof openApp>>

/**
 * The embedded SQLite store of a home, for a feature that runs only on it; on PostgreSQL,
 * STORE_FEATURE_UNSUPPORTED naming the feature (never a silent fallback to a local file).
 */
export function requireSqlite(ctx: Pick<AppContext, 'sqlite'>, feature: string): SqliteStore {
  if (ctx.sqlite) return ctx.sqlite
  throw new MintmarkError('STORE_FEATURE_UNSUPPORTED', `${feature} is not supported on PostgreSQL yet.`, {
    metaMessages: ['See docs/reference/errors.md#store_feature_unsupported for what runs on PostgreSQL.'],
  })
}

function toCheckpointed(c: { size: number; rootHash: Uint8Array; note: string; createdAt: string }): Checkpointed {
  return { size: c.size, rootHash: bytesToHex(c.rootHash), note: c.note, createdAt: c.createdAt }
}

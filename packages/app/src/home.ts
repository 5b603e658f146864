import { promises as fsp } from 'node:fs'
import path from 'node:path'
import {
  type CidProfileName,
  MintmarkError,
  createEd25519NoteSigner,
  didKeyFromPublicKey,
  encodeEd25519VerifierKey,
  generateEd25519KeyPair,
} from '@mintmark/core'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createSqliteStore, readKeyFile, writeKeyFile } from '@mintmark/storage'
import { type BlobsConfig, blobsConfigSchema } from './blobs-config.js'
import { type ChainConfig, chainsConfigSchema } from './chain-config.js'
import { type DatabaseConfig, databaseConfigSchema } from './database-config.js'

/** The on-disk layout of a Mintmark home (./.mintmark or $MINTMARK_HOME). */
export function homePaths(home: string) {
  const root = path.resolve(home)
  return {
    root,
    config: path.join(root, 'config.json'),
    db: path.join(root, 'index.sqlite'),
    creatorKey: path.join(root, 'keys', 'creator.key'),
    logKey: path.join(root, 'keys', 'log.key'),
    /** The local dev chain's state, used when no chain is configured. */
    devChain: path.join(root, 'chain', 'dev'),
  }
}

export type HomeConfig = {
  version: 1
  /** The C2SP origin line of this log's checkpoints. */
  logOrigin: string
  profile: CidProfileName
  checkpoint: { everyEntries: number; everyMs: number }
  /** EVM chains the log is anchored on and licences are sold on; absent: a local dev chain. */
  chains?: ChainConfig[] | undefined
  /** Where asset bytes are kept; absent: the home's own directory (see blobs-config.ts). */
  blobs?: BlobsConfig | undefined
  /** Where the log and indexes live; absent: `<home>/index.sqlite` (see database-config.ts). */
  database?: DatabaseConfig | undefined
  /**
   * Set by `mintmark log freeze`: the log takes no more entries (LOG_FROZEN) and its last signed
   * checkpoint is at `size`. How a log key is rotated: freeze this log, start a new one (ADR 0016).
   */
  frozen?: { at: string; size: number; reason?: string | undefined } | undefined
}

export type InitHomeParameters = { home: string; passphrase?: string | undefined; profile?: CidProfileName | undefined }
export type InitHomeReturnType = { home: string; created: boolean; creator: string; logOrigin: string; logKey: string }

/** The default home: $MINTMARK_HOME, else ./.mintmark. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.MINTMARK_HOME || path.resolve('.mintmark')
}

/**
 * Creates a home: the SQLite store, the blob directory, the creator's Ed25519 did:key and the
 * log's signing key. Idempotent: an existing home is left as it is and described.
 */
export async function initHome(parameters: InitHomeParameters): Promise<InitHomeReturnType> {
  const p = homePaths(parameters.home)
  const existing = await readConfig(p.config).catch((e: unknown) => {
    if (e instanceof MintmarkError && e.code === 'STORE_NOT_INITIALIZED') return undefined
    throw e
  })
  if (existing) {
    const { did } = await readKeyFile(p.creatorKey, { passphrase: parameters.passphrase })
    const log = await readKeyFile(p.logKey, {})
    return { home: p.root, created: false, creator: did, logOrigin: existing.logOrigin, logKey: logVerifierKey(existing.logOrigin, log.secretKey) }
  }
  await fsp.mkdir(path.join(p.root, 'keys'), { recursive: true, mode: 0o700 })
  const creator = generateEd25519KeyPair()
  const creatorDid = didKeyFromPublicKey(creator.publicKey)
  const log = generateEd25519KeyPair()
  const logOrigin = `mintmark.local/log/${didKeyFromPublicKey(log.publicKey).slice(-10).toLowerCase()}`
  if (!(await exists(p.creatorKey)))
    await writeKeyFile(p.creatorKey, { secretKey: creator.secretKey, did: creatorDid }, { passphrase: parameters.passphrase })
  if (!(await exists(p.logKey))) await writeKeyFile(p.logKey, { secretKey: log.secretKey, did: didKeyFromPublicKey(log.publicKey) }, {})
  createSqliteStore({ path: p.db }).close()
  const config: HomeConfig = { version: 1, logOrigin, profile: parameters.profile ?? 'unixfs-v1-2025', checkpoint: { everyEntries: 1000, everyMs: 1000 } }
  // The config is written last: a home without it is not initialised, so a crash mid-init is retried cleanly.
  await writeConfig(p.config, config)
  const { did } = await readKeyFile(p.creatorKey, { passphrase: parameters.passphrase })
  const logKey = await readKeyFile(p.logKey, {})
  return { home: p.root, created: true, creator: did, logOrigin, logKey: logVerifierKey(logOrigin, logKey.secretKey) }
}

/** Replaces the home's config atomically and durably (tmp file, fsync, rename). */
export async function writeConfig(file: string, config: HomeConfig): Promise<void> {
  const tmp = `${file}.tmp`
  await fsp.writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  const fh = await fsp.open(tmp, 'r+')
  await fh.sync()
  await fh.close()
  await fsp.rename(tmp, file)
}

export async function readConfig(file: string): Promise<HomeConfig> {
  let text: string
  try {
    text = await fsp.readFile(file, 'utf8')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT')
      throw new MintmarkError('STORE_NOT_INITIALIZED', `No Mintmark home at ${path.dirname(file)}.`, {
        metaMessages: ['Run `mintmark init` first, or set MINTMARK_HOME to an existing home.'],
      })
    throw new MintmarkError('STORE_IO', `Cannot read ${file}.`, { cause })
  }
  let c: HomeConfig
  try {
    c = JSON.parse(text) as HomeConfig
    if (c.version !== 1 || typeof c.logOrigin !== 'string') throw new Error('bad config')
    if (c.frozen !== undefined && (typeof c.frozen?.at !== 'string' || !Number.isSafeInteger(c.frozen?.size) || c.frozen.size < 0)) throw new Error('bad frozen section')
  } catch (cause) {
    throw new MintmarkError('STORE_CORRUPT', `The home config ${file} is unreadable.`, { cause })
  }
  if (c.blobs !== undefined) {
    const blobs = blobsConfigSchema.safeParse(c.blobs)
    if (!blobs.success)
      throw new MintmarkError('CONFIG_INVALID', `The blobs section of ${file} is not valid.`, {
        fields: blobs.error.issues.map((i) => ['blobs', ...i.path].join('.')),
        details: blobs.error.issues.map((i) => `${['blobs', ...i.path].join('.')}: ${i.message}`).join('; '),
      })
    c = { ...c, blobs: blobs.data }
  }
  if (c.database !== undefined) {
    const database = databaseConfigSchema.safeParse(c.database)
    if (!database.success)
      throw new MintmarkError('CONFIG_INVALID', `The database section of ${file} is not valid.`, {
        fields: database.error.issues.map((i) => ['database', ...i.path].join('.')),
        details: database.error.issues.map((i) => `${['database', ...i.path].join('.')}: ${i.message}`).join('; '),
      })
    c = { ...c, database: database.data }
  }
  if (c.chains === undefined) return c
  const chains = chainsConfigSchema.safeParse(c.chains)
  if (!chains.success)
    throw new MintmarkError('CONFIG_INVALID', `The chains in ${file} are not valid.`, {
      fields: chains.error.issues.map((i) => ['chains', ...i.path].join('.')),
      details: chains.error.issues.map((i) => `${['chains', ...i.path].join('.')}: ${i.message}`).join('; '),
    })
  return { ...c, chains: chains.data }
}

/** The log's note verifier key string, derived from its secret key. */
export function logVerifierKey(origin: string, secretKey: Uint8Array): string {
  return encodeEd25519VerifierKey(origin, ed25519.getPublicKey(secretKey))
}

export function logNoteSigner(origin: string, secretKey: Uint8Array) {
  return createEd25519NoteSigner(origin, secretKey)
}

async function exists(file: string): Promise<boolean> {
  return fsp.access(file).then(
    () => true,
    () => false,
  )
}

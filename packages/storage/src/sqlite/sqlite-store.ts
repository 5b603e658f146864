import Database from 'better-sqlite3'
import { MintmarkError, type NodeId, appendLeaves, type CompactRange, rootPlan } from '@mintmark/core'
import { type AnchorDbRow, anchorColumns, anchorValues, toAnchorRow } from '../anchor-rows.js'
import { algorithmNumberer, bucketAppender, bucketBatch, bucketEntry, bucketKey, chunkOf, decodeBuckets, scanBuckets } from './fingerprint-buckets.js'
import { sqliteMigrations } from './migrations.js'

export type SqliteStoreOptions = {
  path: string
  readonly?: boolean
  /**
   * SQLite's page cache for this connection, in MiB (default 64; allocated only as pages are read).
   * A fingerprint lookup reads ~540 random bucket pages; with the 16 MB default those evict the
   * tables' interior pages, and lookups read them again (measured on 1,000,000 images: system time
   * per lookup 1.15 → 0.8 ms, p50 2.7 → 2.3 ms).
   */
  cacheMiB?: number
}

export type StoredEntry = { index: number; leafHash: Uint8Array; data: Uint8Array; kind: string; assetCid: string | null; creator: string; createdAt: string }
export type EntryRef = { index: number; leafHash: Uint8Array }
export type StoredCheckpoint = { size: number; rootHash: Uint8Array; note: string; createdAt: string }
export type LineageEdge = { cid: string; relation: string; entryIndex: number }
export type AnchorRowStatus = 'pending' | 'included' | 'final'
/** One anchor of a checkpoint on one chain (migration 2). Hashes and addresses are 0x-hex text. */
export type AnchorRow = {
  chainId: number
  treeSize: number
  rootHash: string
  status: AnchorRowStatus
  txHash: string | null
  blockNumber: number | null
  blockHash: string | null
  contract: string
  logId: string
  attempts: number
  lastError: { code: string; message: string } | null
  updatedAt: string
}
/** A stored offer: its hash, the asset it sells, the chain it is for, and the JSON document. */
/** One decoded contract event kept by the chain indexer (migration 4); args as JSON text. */
export type ChainEventRow = {
  chainId: number
  blockNumber: number
  blockHash: string
  logIndex: number
  txHash: string
  /** Which contract emitted it (the app's name for it, e.g. `anchor`). */
  contract: string
  address: string
  event: string
  argsJson: string
}
/** A block hash the chain indexer keeps to notice reorgs. */
export type ChainBlockRow = { number: number; hash: string }
/** One chain indexer step: events and blocks added, the new cursor, kept blocks below `pruneBelow` dropped. */
export type ChainIndexBatch = { cursor: number; events: readonly ChainEventRow[]; blocks: readonly ChainBlockRow[]; pruneBelow: number }
export type OfferRow = { offerHash: string; assetCid: string; chainId: number; document: string; createdAt: string }
/** A perceptual fingerprint to keep for an asset (migration 3): 32-byte hash, its quality (0–100). */
export type FingerprintInput = { algorithm: string; hash: Uint8Array; quality: number }
export type FingerprintRow = FingerprintInput & { id: number; assetCid: string }
/** A stored fingerprint sharing a probed chunk with a query (not yet checked by distance). */
export type FingerprintCandidateRow = { id: number; assetCid: string; hash: Uint8Array }
/** A stored fingerprint within the asked distance of a query hash (`fingerprintNear`). */
export type FingerprintNearRow = { id: number; assetCid: string; distance: number }
/** The chunk values to look up for one chunk position (multi-index hashing). */
export type FingerprintChunkProbe = { chunkNo: number; values: readonly number[] }
/**
 * C2PA Content Credentials found in a registered file (migration 3): imported evidence, not
 * something this log signed. `document` is the reader's summary as JSON.
 */
export type C2paEvidenceInput = {
  valid: boolean
  validationStatus: readonly string[]
  claimGenerator: string | null
  digitalSourceType: string | null
  document: string
}
export type C2paEvidenceRow = Omit<C2paEvidenceInput, 'validationStatus'> & { assetCid: string; validationStatus: string[]; entryIndex: number }

/** Chunks a 256-bit fingerprint is indexed under: 16 big-endian 16-bit words (hex digits 4i..4i+3). */
export const fingerprintChunkCount = 16
export function fingerprintChunkValues(hash: Uint8Array): number[] {
  if (hash.length !== 32) throw new MintmarkError('INPUT_INVALID', 'A fingerprint hash is 32 bytes.', { fields: ['hash'] })
  const out: number[] = []
  for (let i = 0; i < fingerprintChunkCount; i++) out.push(((hash[2 * i] as number) << 8) | (hash[2 * i + 1] as number))
  return out
}

/** What the caller builds for each new entry, once it knows the earlier entries on the same asset. */
export type EntryDraft = {
  /** Hash identifying the signed statement: the same statement twice is one entry. */
  statementHash: Uint8Array
  kind: string
  assetCid: string | null
  creator: string
  createdAt: string
  asset?: { cid: string; sha256: string; size: number; mediaType: string }
  parents?: { cid: string; relation: string }[]
  /** Builds the leaf data from the earlier entries about the same asset (oldest first). */
  build(prior: EntryRef[]): { data: Uint8Array; leafHash: Uint8Array }
  /** Perceptual fingerprints of the asset, kept once per (asset, algorithm, hash) in the same transaction. */
  fingerprints?: readonly FingerprintInput[] | undefined
  /** C2PA evidence found in the asset's bytes; the first registration's is kept. */
  c2pa?: C2paEvidenceInput | undefined
  /**
   * The log index this entry was prepared for (e.g. a watermark carries it). If the log has moved
   * on, the whole transaction rolls back with `LOG_APPEND_CONFLICT` and the caller prepares again.
   */
  expectIndex?: number | undefined
}

export type AppendResult = { index: number; leafHash: Uint8Array; created: boolean }

export type SqliteStore = ReturnType<typeof createSqliteStore>

const requiredPragmas = { journal_mode: 'wal', synchronous: 2, foreign_keys: 1 } as const

/**
 * The embedded index and log store: one SQLite file in WAL mode with synchronous=FULL, so a
 * committed transaction survives power loss. Appends of entries, their tree nodes and derived rows
 * happen in one transaction: the log never has a leaf without its row or the other way round.
 */
export function createSqliteStore(options: SqliteStoreOptions) {
  let db: Database.Database
  try {
    db = new Database(options.path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
  } catch (cause) {
    throw new MintmarkError('STORE_IO', `Could not open the store database at ${options.path}.`, { cause })
  }
  if (!options.readonly) db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  db.pragma(`cache_size = ${-Math.max(2, Math.floor(options.cacheMiB ?? 64)) * 1024}`)
  assertPragmas(db, options.readonly ?? false)
  if (!options.readonly) migrate(db)

  const q = {
    size: db.prepare('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM entries').pluck(),
    node: db.prepare('SELECT hash FROM nodes WHERE level = ? AND idx = ?').pluck(),
    entry: db.prepare('SELECT idx, leaf_hash, data, kind, asset_cid, creator, created_at FROM entries WHERE idx = ?'),
    entriesRange: db.prepare('SELECT idx, leaf_hash, data, kind, asset_cid, creator, created_at FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
    byStatement: db.prepare('SELECT idx, leaf_hash FROM entries WHERE statement_hash = ?'),
    byAsset: db.prepare('SELECT idx, leaf_hash FROM entries WHERE asset_cid = ? ORDER BY idx'),
    byAssetFull: db.prepare('SELECT idx, leaf_hash, data, kind, asset_cid, creator, created_at FROM entries WHERE asset_cid = ? ORDER BY idx'),
    byCreatorAsset: db.prepare('SELECT 1 FROM entries WHERE asset_cid = ? AND creator = ? LIMIT 1').pluck(),
    claimedAmong: db
      .prepare('SELECT DISTINCT asset_cid FROM entries INDEXED BY entries_asset_creator WHERE asset_cid IN (SELECT value FROM json_each(?)) AND creator = ?')
      .pluck(),
    insertEntry: db.prepare(
      'INSERT INTO entries (idx, leaf_hash, data, statement_hash, kind, asset_cid, creator, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertNode: db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
    insertAsset: db.prepare('INSERT OR IGNORE INTO assets (cid, sha256, size, media_type, first_entry) VALUES (?, ?, ?, ?, ?)'),
    insertEdge: db.prepare('INSERT OR IGNORE INTO lineage (child_cid, parent_cid, relation, entry_idx) VALUES (?, ?, ?, ?)'),
    asset: db.prepare('SELECT cid, sha256, size, media_type, first_entry FROM assets WHERE cid = ?'),
    parents: db.prepare('SELECT parent_cid AS cid, relation, entry_idx AS entryIndex FROM lineage WHERE child_cid = ? ORDER BY entry_idx'),
    children: db.prepare('SELECT child_cid AS cid, relation, entry_idx AS entryIndex FROM lineage WHERE parent_cid = ? ORDER BY entry_idx'),
    latestCheckpoint: db.prepare('SELECT size, root_hash, note, created_at FROM checkpoints ORDER BY size DESC LIMIT 1'),
    checkpoint: db.prepare('SELECT size, root_hash, note, created_at FROM checkpoints WHERE size = ?'),
    checkpointAtLeast: db.prepare('SELECT size, root_hash, note, created_at FROM checkpoints WHERE size >= ? ORDER BY size ASC LIMIT 1'),
    insertCheckpoint: db.prepare('INSERT INTO checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?)'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    assetCount: db.prepare('SELECT COUNT(*) FROM assets').pluck(),
    chainCursor: db.prepare('SELECT block FROM chain_cursor WHERE chain_id = ?').pluck(),
    setChainCursor: db.prepare('INSERT INTO chain_cursor (chain_id, block) VALUES (?, ?) ON CONFLICT (chain_id) DO UPDATE SET block = excluded.block'),
    lowerChainCursor: db.prepare('UPDATE chain_cursor SET block = MIN(block, ?) WHERE chain_id = ?'),
    chainBlocks: db.prepare('SELECT number, hash FROM chain_blocks WHERE chain_id = ? ORDER BY number'),
    putChainBlock: db.prepare('INSERT INTO chain_blocks (chain_id, number, hash) VALUES (?, ?, ?) ON CONFLICT (chain_id, number) DO UPDATE SET hash = excluded.hash'),
    pruneChainBlocks: db.prepare('DELETE FROM chain_blocks WHERE chain_id = ? AND number < ?'),
    dropChainBlocksAbove: db.prepare('DELETE FROM chain_blocks WHERE chain_id = ? AND number > ?'),
    putChainEvent: db.prepare(
      `INSERT OR REPLACE INTO chain_events (chain_id, block_number, block_hash, log_index, tx_hash, contract, address, event, args_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    chainEvents: db.prepare('SELECT * FROM chain_events WHERE chain_id = ? ORDER BY block_number, log_index'),
    chainEventsAbove: db.prepare('SELECT * FROM chain_events WHERE chain_id = ? AND block_number > ? ORDER BY block_number, log_index'),
    dropChainEventsAbove: db.prepare('DELETE FROM chain_events WHERE chain_id = ? AND block_number > ?'),
    putAnchor: db.prepare(
      `INSERT INTO anchors (${anchorColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (chain_id, tree_size) DO UPDATE SET root_hash = excluded.root_hash, status = excluded.status, tx_hash = excluded.tx_hash,
         block_number = excluded.block_number, block_hash = excluded.block_hash, contract = excluded.contract, log_id = excluded.log_id,
         attempts = excluded.attempts, last_error = excluded.last_error, updated_at = excluded.updated_at`,
    ),
    getAnchor: db.prepare('SELECT * FROM anchors WHERE chain_id = ? AND tree_size = ?'),
    anchorsOfChain: db.prepare('SELECT * FROM anchors WHERE chain_id = ? ORDER BY tree_size'),
    anchorsOfChainStatus: db.prepare('SELECT * FROM anchors WHERE chain_id = ? AND status = ? ORDER BY tree_size'),
    allAnchors: db.prepare('SELECT * FROM anchors ORDER BY chain_id, tree_size'),
    anchoredSizeCovering: db
      .prepare("SELECT MAX(a.tree_size) FROM anchors a JOIN checkpoints c ON c.size = a.tree_size WHERE a.status IN ('included', 'final') AND a.tree_size > ?")
      .pluck(),
    anchoredAt: db.prepare("SELECT * FROM anchors WHERE tree_size = ? AND status IN ('included', 'final') ORDER BY chain_id"),
    putOffer: db.prepare('INSERT INTO offers (offer_hash, asset_cid, chain_id, document, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (offer_hash) DO NOTHING'),
    getOffer: db.prepare('SELECT offer_hash, asset_cid, chain_id, document, created_at FROM offers WHERE offer_hash = ?'),
    offersOfChain: db.prepare('SELECT offer_hash, asset_cid, chain_id, document, created_at FROM offers WHERE chain_id = ? ORDER BY created_at, offer_hash'),
    offersOfAsset: db.prepare('SELECT offer_hash, asset_cid, chain_id, document, created_at FROM offers WHERE asset_cid = ? ORDER BY created_at, offer_hash'),
    insertFingerprint: db
      .prepare('INSERT INTO fingerprints (asset_cid, algorithm, hash, quality) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id')
      .pluck(),
    fingerprintById: db.prepare('SELECT asset_cid, hash FROM fingerprints WHERE id = ?'),
    assetsAfter: db.prepare('SELECT cid, media_type FROM assets WHERE cid > ? ORDER BY cid LIMIT ?'),
    fingerprintsOf: db.prepare('SELECT id, asset_cid, algorithm, hash, quality FROM fingerprints WHERE asset_cid = ? ORDER BY id'),
    fingerprintCount: db.prepare('SELECT COUNT(*) FROM fingerprints WHERE algorithm = ?').pluck(),
    insertC2pa: db.prepare(
      `INSERT INTO c2pa_evidence (asset_cid, valid, validation_status, claim_generator, digital_source_type, document, entry_idx)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (asset_cid) DO NOTHING`,
    ),
    c2pa: db.prepare('SELECT * FROM c2pa_evidence WHERE asset_cid = ?'),
  }
  // Fingerprint postings live in packed buckets (migration 5, fingerprint-buckets.ts).
  const algorithmNo = algorithmNumberer(db)
  const appendToBucket = bucketAppender(db)
  // One statement per number of probed buckets (272 for the usual radius of 31). The buckets come
  // back concatenated into one blob: a Buffer per bucket cost more than reading the pages (measured
  // on 1M images: 2.7 → 1.5 ms of CPU per image lookup, p99 halved). Binary-safe, like the
  // appender's `||`: in a UTF-8 database group_concat copies the blob bytes as they are.
  const bucketQueries = new Map<number, Database.Statement>()
  const bucketQuery = (n: number): Database.Statement => {
    let stmt = bucketQueries.get(n)
    if (!stmt) {
      const list = Array.from({ length: n }, () => '?').join(', ')
      stmt = db.prepare(`SELECT CAST(group_concat(entries, '') AS BLOB) FROM fingerprint_buckets WHERE bucket IN (${list})`).pluck()
      bucketQueries.set(n, stmt)
    }
    return stmt
  }
  const noEntries = Buffer.alloc(0)
  /** The entries of the buckets a set of probes reaches, in one blob (one query: one consistent snapshot under WAL). */
  function probedBuckets(probes: readonly FingerprintChunkProbe[], algorithm: string): Buffer {
    const no = algorithmNo(algorithm, false)
    if (no === undefined) return noEntries
    const keys: number[] = []
    for (const { chunkNo, values } of probes) {
      if (!Number.isInteger(chunkNo) || chunkNo < 0 || chunkNo >= fingerprintChunkCount) continue
      // A value outside 16 bits matches nothing (and must not reach a neighbouring chunk's key).
      for (const v of values) if (Number.isInteger(v) && v >= 0 && v <= 0xffff) keys.push(bucketKey(no, chunkNo, v))
    }
    if (keys.length === 0) return noEntries
    // NULL when no probed bucket exists.
    return (bucketQuery(keys.length).get(...keys) as Buffer | null) ?? noEntries
  }

  /**
   * The asset of a bucket entry, if its fingerprint row still holds that hash. Bucket entries are
   * never rewritten, so a fingerprint row deleted by hand (or an id reused after that) leaves a
   * stale entry behind: it is ignored here rather than reported under the wrong asset.
   */
  function entryAsset(id: number, hash: Uint8Array): string | undefined {
    const row = q.fingerprintById.get(id) as { asset_cid: string; hash: Buffer } | undefined
    return row && Buffer.compare(row.hash, hash) === 0 ? row.asset_cid : undefined
  }

  function checkFingerprint(fp: FingerprintInput): void {
    fingerprintChunkValues(fp.hash)
    if (!Number.isInteger(fp.quality) || fp.quality < 0 || fp.quality > 100)
      throw new MintmarkError('INPUT_INVALID', 'A fingerprint quality is an integer from 0 to 100.', { fields: ['quality'] })
  }

  function insertFingerprint(cid: string, fp: FingerprintInput): boolean {
    checkFingerprint(fp)
    const id = q.insertFingerprint.get(cid, fp.algorithm, fp.hash, fp.quality) as number | undefined
    if (id === undefined) return false
    const no = algorithmNo(fp.algorithm, true) as number
    const entry = bucketEntry(id, fp.hash)
    for (let c = 0; c < fingerprintChunkCount; c++) appendToBucket(bucketKey(no, c, chunkOf(fp.hash, c)), entry)
    return true
  }
  const addFingerprintTx = db.transaction(insertFingerprint)
  const addFingerprintsTx = db.transaction((rows: readonly { assetCid: string; fingerprint: FingerprintInput }[]): number => {
    const batch = bucketBatch(appendToBucket)
    let added = 0
    for (const { assetCid, fingerprint: fp } of rows) {
      checkFingerprint(fp)
      const id = q.insertFingerprint.get(assetCid, fp.algorithm, fp.hash, fp.quality) as number | undefined
      if (id === undefined) continue
      batch.add(algorithmNo(fp.algorithm, true) as number, id, fp.hash)
      added++
    }
    batch.flush()
    return added
  })

  const size = (): number => q.size.get() as number

  function getNodes(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map(({ level, index }) => {
      const hash = q.node.get(level, index) as Buffer | undefined
      if (!hash) throw new MintmarkError('STORE_CORRUPT', `The log is missing tree node (${level}, ${index}).`)
      return new Uint8Array(hash)
    })
  }

  function compactRange(n: number): CompactRange {
    const ids = peakIds(n)
    return { size: n, peaks: getNodes(ids) }
  }

  const appendTx = db.transaction((drafts: readonly EntryDraft[]): AppendResult[] => {
    let next = size()
    const results: AppendResult[] = []
    const newLeaves: Uint8Array[] = []
    const start = next
    for (const draft of drafts) {
      const existing = q.byStatement.get(draft.statementHash) as { idx: number; leaf_hash: Buffer } | undefined
      if (existing) {
        results.push({ index: existing.idx, leafHash: new Uint8Array(existing.leaf_hash), created: false })
        continue
      }
      const prior = draft.assetCid
        ? (q.byAsset.all(draft.assetCid) as { idx: number; leaf_hash: Buffer }[]).map((r) => ({ index: r.idx, leafHash: new Uint8Array(r.leaf_hash) }))
        : []
      const { data, leafHash } = draft.build(prior)
      const index = next++
      if (draft.expectIndex !== undefined && draft.expectIndex !== index)
        throw new MintmarkError('LOG_APPEND_CONFLICT', `The entry was prepared for log index ${draft.expectIndex}, but the next index is ${index}.`, {
          metaMessages: ['Another writer appended in between; prepare the entry again.'],
        })
      q.insertEntry.run(index, leafHash, data, draft.statementHash, draft.kind, draft.assetCid, draft.creator, draft.createdAt)
      if (draft.asset) q.insertAsset.run(draft.asset.cid, draft.asset.sha256, draft.asset.size, draft.asset.mediaType, index)
      for (const p of draft.parents ?? []) if (draft.assetCid) q.insertEdge.run(draft.assetCid, p.cid, p.relation, index)
      if (draft.assetCid) {
        for (const fp of draft.fingerprints ?? []) insertFingerprint(draft.assetCid, fp)
        const c = draft.c2pa
        if (c)
          q.insertC2pa.run(draft.assetCid, c.valid ? 1 : 0, JSON.stringify(c.validationStatus), c.claimGenerator, c.digitalSourceType, c.document, index)
      }
      newLeaves.push(leafHash)
      results.push({ index, leafHash, created: true })
    }
    if (newLeaves.length) {
      const { nodes } = appendLeaves(compactRange(start), newLeaves)
      for (const n of nodes) q.insertNode.run(n.level, n.index, n.hash)
    }
    return results
  })

  function toEntry(row: { idx: number; leaf_hash: Buffer; data: Buffer; kind: string; asset_cid: string | null; creator: string; created_at: string }): StoredEntry {
    return {
      index: row.idx,
      leafHash: new Uint8Array(row.leaf_hash),
      data: new Uint8Array(row.data),
      kind: row.kind,
      assetCid: row.asset_cid,
      creator: row.creator,
      createdAt: row.created_at,
    }
  }
  const toCheckpoint = (row: { size: number; root_hash: Buffer; note: string; created_at: string } | undefined): StoredCheckpoint | undefined =>
    row && { size: row.size, rootHash: new Uint8Array(row.root_hash), note: row.note, createdAt: row.created_at }

  type ChainEventDbRow = {
    chain_id: number
    block_number: number
    block_hash: string
    log_index: number
    tx_hash: string
    contract: string
    address: string
    event: string
    args_json: string
  }
  const toChainEvent = (r: ChainEventDbRow): ChainEventRow => ({
    chainId: r.chain_id,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    logIndex: r.log_index,
    txHash: r.tx_hash,
    contract: r.contract,
    address: r.address,
    event: r.event,
    argsJson: r.args_json,
  })
  const commitChainIndexTx = db.transaction((chainId: number, batch: ChainIndexBatch) => {
    for (const e of batch.events) {
      if (e.chainId !== chainId) throw new MintmarkError('INPUT_INVALID', `A chain event of chain ${e.chainId} was committed to chain ${chainId}.`)
      q.putChainEvent.run(chainId, e.blockNumber, e.blockHash, e.logIndex, e.txHash, e.contract, e.address, e.event, e.argsJson)
    }
    for (const b of batch.blocks) q.putChainBlock.run(chainId, b.number, b.hash)
    q.pruneChainBlocks.run(chainId, batch.pruneBelow)
    q.setChainCursor.run(chainId, batch.cursor)
  })
  const rollbackChainIndexTx = db.transaction((chainId: number, blockNumber: number): ChainEventRow[] => {
    const dropped = (q.chainEventsAbove.all(chainId, blockNumber) as ChainEventDbRow[]).map(toChainEvent)
    q.dropChainEventsAbove.run(chainId, blockNumber)
    q.dropChainBlocksAbove.run(chainId, blockNumber)
    q.lowerChainCursor.run(blockNumber, chainId)
    return dropped
  })
  type OfferDbRow = { offer_hash: string; asset_cid: string; chain_id: number; document: string; created_at: string }
  const toOffer = (r: OfferDbRow): OfferRow => ({ offerHash: r.offer_hash, assetCid: r.asset_cid, chainId: r.chain_id, document: r.document, createdAt: r.created_at })

  return {
    path: options.path,
    size,
    getNodes,
    /** The tree root at `treeSize` (≤ size), from O(log n) stored nodes. */
    rootAt(treeSize: number): Uint8Array {
      const plan = rootPlan(treeSize)
      return plan.assemble(getNodes(plan.nodes))
    },
    /** Appends entries in one transaction (idempotent per statement); returns their indices. */
    appendEntries(drafts: readonly EntryDraft[]): AppendResult[] {
      return wrapIo(() => appendTx.immediate(drafts))
    },
    getEntry(index: number): StoredEntry | undefined {
      const row = q.entry.get(index) as Parameters<typeof toEntry>[0] | undefined
      return row && toEntry(row)
    },
    *iterateEntries(from = 0, to = Number.MAX_SAFE_INTEGER, batch = 4096): Generator<StoredEntry> {
      for (let lo = from; lo < to; lo += batch) {
        const rows = q.entriesRange.all(lo, Math.min(to, lo + batch)) as Parameters<typeof toEntry>[0][]
        if (!rows.length) return
        for (const r of rows) yield toEntry(r)
      }
    },
    entriesForAsset(cid: string): StoredEntry[] {
      return (q.byAssetFull.all(cid) as Parameters<typeof toEntry>[0][]).map(toEntry)
    },
    hasClaimBy(cid: string, creator: string): boolean {
      return q.byCreatorAsset.get(cid, creator) !== undefined
    },
    /** Which of `cids` `creator` has an entry about: `hasClaimBy` for a batch, in one query. */
    claimedAmong(cids: readonly string[], creator: string): Set<string> {
      return new Set(cids.length === 0 ? [] : (q.claimedAmong.all(JSON.stringify(cids), creator) as string[]))
    },
    getAsset(cid: string): { cid: string; sha256: string; size: number; mediaType: string; firstEntry: number } | undefined {
      const r = q.asset.get(cid) as { cid: string; sha256: string; size: number; media_type: string; first_entry: number } | undefined
      return r && { cid: r.cid, sha256: r.sha256, size: r.size, mediaType: r.media_type, firstEntry: r.first_entry }
    },
    assetCount: (): number => q.assetCount.get() as number,
    parentsOf: (cid: string): LineageEdge[] => q.parents.all(cid) as LineageEdge[],
    childrenOf: (cid: string): LineageEdge[] => q.children.all(cid) as LineageEdge[],
    latestCheckpoint: (): StoredCheckpoint | undefined => toCheckpoint(q.latestCheckpoint.get() as never),
    getCheckpoint: (size: number): StoredCheckpoint | undefined => toCheckpoint(q.checkpoint.get(size) as never),
    /** The smallest checkpoint whose tree holds leaf `index`. */
    checkpointCovering: (index: number): StoredCheckpoint | undefined => toCheckpoint(q.checkpointAtLeast.get(index + 1) as never),
    putCheckpoint(c: StoredCheckpoint): void {
      wrapIo(() => q.insertCheckpoint.run(c.size, c.rootHash, c.note, c.createdAt))
    },
    getMeta: (key: string): string | undefined => q.getMeta.get(key) as string | undefined,
    setMeta(key: string, value: string): void {
      wrapIo(() => q.setMeta.run(key, value))
    },
    /** Inserts or replaces the anchor of `(chainId, treeSize)`. */
    putAnchor(a: AnchorRow): void {
      wrapIo(() => q.putAnchor.run(...anchorValues(a)))
    },
    getAnchor(chainId: number, treeSize: number): AnchorRow | undefined {
      const r = q.getAnchor.get(chainId, treeSize) as AnchorDbRow | undefined
      return r && toAnchorRow(r)
    },
    /** Anchors ascending by tree size: of one chain (optionally of one status), or all (by chain). */
    listAnchors(filter: { chainId?: number | undefined; status?: AnchorRowStatus | undefined } = {}): AnchorRow[] {
      const rows =
        filter.chainId === undefined
          ? (q.allAnchors.all() as AnchorDbRow[]).filter((r) => filter.status === undefined || r.status === filter.status)
          : filter.status === undefined
            ? (q.anchorsOfChain.all(filter.chainId) as AnchorDbRow[])
            : (q.anchorsOfChainStatus.all(filter.chainId, filter.status) as AnchorDbRow[])
      return rows.map(toAnchorRow)
    },
    /**
     * The newest checkpoint that holds leaf `index` and is anchored (included or final) on some
     * chain, with those anchors; undefined when no anchored checkpoint covers it.
     */
    anchoredCheckpointCovering(index: number): { checkpoint: StoredCheckpoint; anchors: AnchorRow[] } | undefined {
      const size = q.anchoredSizeCovering.get(index) as number | null
      if (size === null || size === undefined) return undefined
      const checkpoint = toCheckpoint(q.checkpoint.get(size) as never)
      if (!checkpoint) return undefined
      return { checkpoint, anchors: (q.anchoredAt.all(size) as AnchorDbRow[]).map(toAnchorRow) }
    },
    /** Stores an offer; the same hash twice keeps the first. */
    /** The chain indexer's last indexed block of a chain; undefined before its first sync. */
    getChainCursor(chainId: number): number | undefined {
      return (q.chainCursor.get(chainId) as number | undefined) ?? undefined
    },
    /** The block hashes kept for a chain, ascending. */
    listChainBlocks(chainId: number): ChainBlockRow[] {
      return q.chainBlocks.all(chainId) as ChainBlockRow[]
    },
    /** Adds events and blocks, moves the cursor and prunes old blocks, in one transaction. */
    commitChainIndex(chainId: number, batch: ChainIndexBatch): void {
      wrapIo(() => commitChainIndexTx.immediate(chainId, batch))
    },
    /** Drops a chain's events and blocks above `blockNumber` and lowers its cursor to it, in one transaction; returns the events dropped. */
    rollbackChainIndex(chainId: number, blockNumber: number): ChainEventRow[] {
      return wrapIo(() => rollbackChainIndexTx.immediate(chainId, blockNumber))
    },
    /** A chain's indexed events in chain order. */
    listChainEvents(chainId: number): ChainEventRow[] {
      return (q.chainEvents.all(chainId) as ChainEventDbRow[]).map(toChainEvent)
    },
    putOffer(o: OfferRow): void {
      wrapIo(() => q.putOffer.run(o.offerHash, o.assetCid, o.chainId, o.document, o.createdAt))
    },
    getOffer(offerHash: string): OfferRow | undefined {
      const r = q.getOffer.get(offerHash) as OfferDbRow | undefined
      return r && toOffer(r)
    },
    offersOnChain: (chainId: number): OfferRow[] => (q.offersOfChain.all(chainId) as OfferDbRow[]).map(toOffer),
    offersForAsset: (cid: string): OfferRow[] => (q.offersOfAsset.all(cid) as OfferDbRow[]).map(toOffer),
    /** The entry holding a statement (by its hash), if any. */
    entryByStatementHash(statementHash: Uint8Array): EntryRef | undefined {
      const r = q.byStatement.get(statementHash) as { idx: number; leaf_hash: Buffer } | undefined
      return r && { index: r.idx, leafHash: new Uint8Array(r.leaf_hash) }
    },
    /** Keeps a fingerprint of a registered asset (its own transaction); false when already kept. */
    addFingerprint(cid: string, fingerprint: FingerprintInput): boolean {
      return wrapIo(() => addFingerprintTx.immediate(cid, fingerprint))
    },
    /**
     * Keeps many fingerprints in one transaction, writing each touched bucket once (backfills,
     * bulk loads); fingerprints already kept are skipped. Returns how many were added.
     */
    addFingerprints(rows: readonly { assetCid: string; fingerprint: FingerprintInput }[]): number {
      return wrapIo(() => addFingerprintsTx.immediate(rows))
    },
    /**
     * Stored fingerprints of `algorithm` that share at least one probed (chunk_no, chunk_value),
     * each once; the caller checks the full distance. `fingerprintNear` is the fast path.
     */
    fingerprintCandidates(probes: readonly FingerprintChunkProbe[], algorithm = 'pdq'): FingerprintCandidateRow[] {
      const out: FingerprintCandidateRow[] = []
      for (const { id, hash } of decodeBuckets(probedBuckets(probes, algorithm))) {
        const assetCid = entryAsset(id, hash)
        if (assetCid !== undefined) out.push({ id, assetCid, hash })
      }
      return out
    },
    /**
     * Stored fingerprints of `algorithm` within `maxDistance` bits of `hash` among those the
     * probes reach (multi-index hashing: probes from media's `fingerprintProbes` reach every one),
     * each once, compared in place in the probed buckets. Unordered.
     */
    fingerprintNear(hash: Uint8Array, probes: readonly FingerprintChunkProbe[], maxDistance: number, algorithm = 'pdq'): FingerprintNearRow[] {
      fingerprintChunkValues(hash)
      const out: FingerprintNearRow[] = []
      scanBuckets(probedBuckets(probes, algorithm), hash, maxDistance, (id, distance, entryHash) => {
        const assetCid = entryAsset(id, entryHash)
        if (assetCid !== undefined) out.push({ id, assetCid, distance })
      })
      return out
    },
    /** Registered assets in CID order after `afterCid` (exclusive; '' for the first page), for scans that resume. */
    assetsAfter(afterCid: string, limit: number): { cid: string; mediaType: string }[] {
      return (q.assetsAfter.all(afterCid, limit) as { cid: string; media_type: string }[]).map((r) => ({ cid: r.cid, mediaType: r.media_type }))
    },
    fingerprintsOf(cid: string): FingerprintRow[] {
      return (q.fingerprintsOf.all(cid) as { id: number; asset_cid: string; algorithm: string; hash: Buffer; quality: number }[]).map((r) => ({
        id: r.id,
        assetCid: r.asset_cid,
        algorithm: r.algorithm,
        hash: new Uint8Array(r.hash),
        quality: r.quality,
      }))
    },
    fingerprintCount: (algorithm = 'pdq'): number => q.fingerprintCount.get(algorithm) as number,
    getC2paEvidence(cid: string): C2paEvidenceRow | undefined {
      const r = q.c2pa.get(cid) as
        | { asset_cid: string; valid: number; validation_status: string; claim_generator: string | null; digital_source_type: string | null; document: string; entry_idx: number }
        | undefined
      return (
        r && {
          assetCid: r.asset_cid,
          valid: r.valid === 1,
          validationStatus: JSON.parse(r.validation_status) as string[],
          claimGenerator: r.claim_generator,
          digitalSourceType: r.digital_source_type,
          document: r.document,
          entryIndex: r.entry_idx,
        }
      )
    },
    integrityCheck: (): string => db.pragma('integrity_check', { simple: true }) as string,
    pragmas: () => ({
      journal_mode: db.pragma('journal_mode', { simple: true }),
      synchronous: db.pragma('synchronous', { simple: true }),
      foreign_keys: db.pragma('foreign_keys', { simple: true }),
    }),
    close(): void {
      db.close()
    },
  }
}

/** The perfect subtrees whose roots are the peaks of a tree of `size` leaves, largest first. */
export function peakIds(size: number): NodeId[] {
  const ids: NodeId[] = []
  let offset = 0
  for (let level = 52; level >= 0; level--) {
    const span = 2 ** level
    if (size - offset >= span) {
      ids.push({ level, index: offset / span })
      offset += span
    }
  }
  return ids
}

function assertPragmas(db: Database.Database, readonly: boolean): void {
  const actual = {
    journal_mode: String(db.pragma('journal_mode', { simple: true })),
    synchronous: Number(db.pragma('synchronous', { simple: true })),
    foreign_keys: Number(db.pragma('foreign_keys', { simple: true })),
  }
  for (const [k, v] of Object.entries(requiredPragmas)) {
    if (readonly && k === 'journal_mode') continue
    if (actual[k as keyof typeof actual] !== v)
      throw new MintmarkError('STORE_PRAGMA_MISMATCH', `SQLite pragma ${k} is ${actual[k as keyof typeof actual]}, expected ${v}.`, {
        metaMessages: ['Mintmark refuses to run without WAL, synchronous=FULL and foreign keys: acknowledged records could be lost.'],
      })
  }
  // The fingerprint buckets are concatenated as text (`||`, group_concat), which keeps blob bytes
  // as they are only in a UTF-8 database (SQLite's default, what the store always creates).
  const encoding = String(db.pragma('encoding', { simple: true }))
  if (encoding !== 'UTF-8')
    throw new MintmarkError('STORE_PRAGMA_MISMATCH', `SQLite database encoding is ${encoding}, expected UTF-8.`, {
      metaMessages: ['Mintmark creates its databases in UTF-8; a database in another encoding was not made by Mintmark.'],
    })
}

function migrate(db: Database.Database): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get()
  const current = hasMeta ? Number((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined) ?? 0) : 0
  const latest = sqliteMigrations.at(-1)?.version ?? 0
  if (current > latest)
    throw new MintmarkError('STORE_CORRUPT', `The store's schema version ${current} is newer than this Mintmark supports (${latest}).`)
  for (const m of sqliteMigrations) {
    if (m.version <= current) continue
    db.transaction(() => {
      db.exec(m.sql)
      m.run?.(db)
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(m.version))
    }).immediate()
  }
}

function wrapIo<T>(fn: () => T): T {
  try {
    return fn()
  } catch (cause) {
    if (cause instanceof MintmarkError) throw cause
    const code = (cause as { code?: string }).code ?? ''
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw new MintmarkError('STORE_CORRUPT', 'The store database is corrupt.', { cause })
    throw new MintmarkError('STORE_IO', 'The store could not complete the write.', { cause, details: code || undefined })
  }
}

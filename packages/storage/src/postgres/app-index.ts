import { MintmarkError } from '@mintmark/core'
import type pg from 'pg'
import { type AnchorDbRow, anchorColumns, anchorValues, toAnchorRow } from '../anchor-rows.js'
import type { AppIndexStore } from '../app-index-store.js'
import type { ChainEventRow, OfferRow, StoredCheckpoint } from '../sqlite/sqlite-store.js'
import { fingerprintChunks } from './append.js'
import { storeCall } from './errors.js'
import { inTransaction } from './transaction.js'

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
type OfferDbRow = { offer_hash: string; asset_cid: string; chain_id: number; document: string; created_at: string }

const eventColumns = 'chain_id, block_number, block_hash, log_index, tx_hash, contract, address, event, args_json'
const offerColumns = 'offer_hash, asset_cid, chain_id, document, created_at'

/**
 * The {@link AppIndexStore} half of the PostgreSQL store (migration 2's tables), on the store's
 * pool. Same results as the SQLite store, row for row (the conformance suite checks it); the
 * fingerprint lookup is one query over `fingerprint_index`, keyed by algorithm first.
 * @internal `createPostgresLogStore` returns it merged into the store.
 */
export function createPostgresAppIndex(pool: pg.Pool): AppIndexStore {
  const all = <R extends pg.QueryResultRow>(what: string, sql: string, values: unknown[] = []): Promise<R[]> =>
    storeCall(what, async () => (await pool.query<R>(sql, values)).rows)
  const one = async <R extends pg.QueryResultRow>(what: string, sql: string, values: unknown[] = []): Promise<R | undefined> => (await all<R>(what, sql, values))[0]

  return {
    async putAnchor(a) {
      await all(
        'store an anchor',
        `INSERT INTO anchors (${anchorColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (chain_id, tree_size) DO UPDATE SET root_hash = excluded.root_hash, status = excluded.status, tx_hash = excluded.tx_hash,
           block_number = excluded.block_number, block_hash = excluded.block_hash, contract = excluded.contract, log_id = excluded.log_id,
           attempts = excluded.attempts, last_error = excluded.last_error, updated_at = excluded.updated_at`,
        anchorValues(a),
      )
    },
    async getAnchor(chainId, treeSize) {
      const r = await one<AnchorDbRow>('read an anchor', `SELECT ${anchorColumns} FROM anchors WHERE chain_id = $1 AND tree_size = $2`, [chainId, treeSize])
      return r && toAnchorRow(r)
    },
    async listAnchors(filter = {}) {
      const rows = await all<AnchorDbRow>(
        'list anchors',
        `SELECT ${anchorColumns} FROM anchors WHERE ($1::bigint IS NULL OR chain_id = $1) AND ($2::text IS NULL OR status = $2) ORDER BY chain_id, tree_size`,
        [filter.chainId ?? null, filter.status ?? null],
      )
      return rows.map(toAnchorRow)
    },
    async anchoredCheckpointCovering(index) {
      // One statement: the newest anchored size above the leaf that has a checkpoint, its
      // checkpoint, and every anchor at that size (one row per anchor).
      const rows = await all<AnchorDbRow & { size: number; cp_root: Buffer; cp_note: string; cp_created_at: string }>(
        'read an anchored checkpoint',
        `WITH s AS (
           SELECT max(a.tree_size) AS size FROM anchors a JOIN checkpoints c ON c.size = a.tree_size
           WHERE a.status IN ('included', 'final') AND a.tree_size > $1)
         SELECT c.size, c.root_hash AS cp_root, c.note AS cp_note, c.created_at AS cp_created_at, ${anchorColumns
           .split(', ')
           .map((col) => `a.${col}`)
           .join(', ')}
         FROM s JOIN checkpoints c ON c.size = s.size JOIN anchors a ON a.tree_size = s.size AND a.status IN ('included', 'final')
         ORDER BY a.chain_id`,
        [index],
      )
      const first = rows[0]
      if (!first) return undefined
      const checkpoint: StoredCheckpoint = { size: first.size, rootHash: new Uint8Array(first.cp_root), note: first.cp_note, createdAt: first.cp_created_at }
      return { checkpoint, anchors: rows.map(toAnchorRow) }
    },
    async getChainCursor(chainId) {
      return (await one<{ block: number }>('read the chain cursor', 'SELECT block FROM chain_cursor WHERE chain_id = $1', [chainId]))?.block
    },
    listChainBlocks: (chainId) => all('read chain blocks', 'SELECT number, hash FROM chain_blocks WHERE chain_id = $1 ORDER BY number', [chainId]),
    async commitChainIndex(chainId, batch) {
      for (const e of batch.events)
        if (e.chainId !== chainId) throw new MintmarkError('INPUT_INVALID', `A chain event of chain ${e.chainId} was committed to chain ${chainId}.`)
      // Later rows win over earlier ones with the same key (as INSERT OR REPLACE does); one
      // upsert statement may not touch a row twice, so duplicates go first.
      const events = [...new Map(batch.events.map((e) => [`${e.blockNumber}:${e.logIndex}`, e])).values()]
      const blocks = [...new Map(batch.blocks.map((b) => [b.number, b])).values()]
      await storeCall('commit chain index', () =>
        inTransaction(pool, async (client) => {
          if (events.length)
            await client.query(
              `INSERT INTO chain_events (${eventColumns})
               SELECT $1::bigint, * FROM unnest($2::bigint[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
               ON CONFLICT (chain_id, block_number, log_index) DO UPDATE SET block_hash = excluded.block_hash, tx_hash = excluded.tx_hash,
                 contract = excluded.contract, address = excluded.address, event = excluded.event, args_json = excluded.args_json`,
              [
                chainId,
                events.map((e) => e.blockNumber),
                events.map((e) => e.blockHash),
                events.map((e) => e.logIndex),
                events.map((e) => e.txHash),
                events.map((e) => e.contract),
                events.map((e) => e.address),
                events.map((e) => e.event),
                events.map((e) => e.argsJson),
              ],
            )
          if (blocks.length)
            await client.query(
              `INSERT INTO chain_blocks (chain_id, number, hash) SELECT $1::bigint, * FROM unnest($2::bigint[], $3::text[])
               ON CONFLICT (chain_id, number) DO UPDATE SET hash = excluded.hash`,
              [chainId, blocks.map((b) => b.number), blocks.map((b) => b.hash)],
            )
          await client.query('DELETE FROM chain_blocks WHERE chain_id = $1 AND number < $2', [chainId, batch.pruneBelow])
          await client.query('INSERT INTO chain_cursor (chain_id, block) VALUES ($1, $2) ON CONFLICT (chain_id) DO UPDATE SET block = excluded.block', [
            chainId,
            batch.cursor,
          ])
        }),
      )
    },
    async rollbackChainIndex(chainId, blockNumber) {
      return storeCall('roll back chain index', () =>
        inTransaction(pool, async (client) => {
          const dropped = await client.query<ChainEventDbRow>(
            `WITH d AS (DELETE FROM chain_events WHERE chain_id = $1 AND block_number > $2 RETURNING ${eventColumns})
             SELECT * FROM d ORDER BY block_number, log_index`,
            [chainId, blockNumber],
          )
          await client.query('DELETE FROM chain_blocks WHERE chain_id = $1 AND number > $2', [chainId, blockNumber])
          await client.query('UPDATE chain_cursor SET block = LEAST(block, $2) WHERE chain_id = $1', [chainId, blockNumber])
          return dropped.rows.map(toChainEvent)
        }),
      )
    },
    async listChainEvents(chainId) {
      return (await all<ChainEventDbRow>('read chain events', `SELECT ${eventColumns} FROM chain_events WHERE chain_id = $1 ORDER BY block_number, log_index`, [chainId])).map(
        toChainEvent,
      )
    },
    async putOffer(o) {
      await all('store an offer', `INSERT INTO offers (${offerColumns}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (offer_hash) DO NOTHING`, [
        o.offerHash,
        o.assetCid,
        o.chainId,
        o.document,
        o.createdAt,
      ])
    },
    async getOffer(offerHash) {
      const r = await one<OfferDbRow>('read an offer', `SELECT ${offerColumns} FROM offers WHERE offer_hash = $1`, [offerHash])
      return r && toOffer(r)
    },
    async offersOnChain(chainId) {
      return (await all<OfferDbRow>('read offers', `SELECT ${offerColumns} FROM offers WHERE chain_id = $1 ORDER BY created_at, offer_hash`, [chainId])).map(toOffer)
    },
    async offersForAsset(cid) {
      return (await all<OfferDbRow>('read offers', `SELECT ${offerColumns} FROM offers WHERE asset_cid = $1 ORDER BY created_at, offer_hash`, [cid])).map(toOffer)
    },
    async addFingerprint(cid, fp) {
      const chunks = fingerprintChunks(fp) // INPUT_INVALID before any query
      return storeCall('store a fingerprint', () =>
        inTransaction(pool, async (client) => {
          const ins = await client.query<{ id: number }>(
            'INSERT INTO fingerprints (asset_cid, algorithm, hash, quality) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id',
            [cid, fp.algorithm, fp.hash, fp.quality],
          )
          const id = ins.rows[0]?.id
          if (id === undefined) return false
          await client.query(
            'INSERT INTO fingerprint_index (algorithm, chunk_no, chunk_value, fingerprint_id) SELECT $1::text, n - 1, v, $3::bigint FROM unnest($2::integer[]) WITH ORDINALITY AS c(v, n)',
            [fp.algorithm, chunks, id],
          )
          return true
        }),
      )
    },
    async fingerprintCandidates(probes, algorithm = 'pdq') {
      const no: number[] = []
      const value: number[] = []
      for (const p of probes)
        for (const v of p.values) {
          no.push(p.chunkNo)
          value.push(v)
        }
      if (!no.length) return []
      // One statement: each probe is an index lookup on (algorithm, chunk_no, chunk_value).
      const rows = await all<{ id: number; asset_cid: string; hash: Buffer }>(
        'look up fingerprints',
        `SELECT DISTINCT f.id, f.asset_cid, f.hash
         FROM unnest($2::smallint[], $3::integer[]) AS p(no, value)
         JOIN fingerprint_index c ON c.algorithm = $1 AND c.chunk_no = p.no AND c.chunk_value = p.value
         JOIN fingerprints f ON f.id = c.fingerprint_id
         ORDER BY f.id`,
        [algorithm, no, value],
      )
      return rows.map((r) => ({ id: r.id, assetCid: r.asset_cid, hash: new Uint8Array(r.hash) }))
    },
    async fingerprintCount(algorithm = 'pdq') {
      return (await one<{ n: number }>('count fingerprints', 'SELECT count(*) AS n FROM fingerprints WHERE algorithm = $1', [algorithm]))?.n ?? 0
    },
  }
}

function toChainEvent(r: ChainEventDbRow): ChainEventRow {
  return {
    chainId: r.chain_id,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    logIndex: r.log_index,
    txHash: r.tx_hash,
    contract: r.contract,
    address: r.address,
    event: r.event,
    argsJson: r.args_json,
  }
}

const toOffer = (r: OfferDbRow): OfferRow => ({ offerHash: r.offer_hash, assetCid: r.asset_cid, chainId: r.chain_id, document: r.document, createdAt: r.created_at })

import type Database from 'better-sqlite3'
import { fillBucketsFromChunks } from './fingerprint-buckets.js'

/**
 * Numbered schema migrations for the SQLite store. Each runs once, in order, inside a transaction;
 * `meta.schema_version` records the last applied. Never edit a shipped migration: add a new one.
 * `run`, when present, is a data step executed after `sql` in the same transaction.
 */
export const sqliteMigrations: readonly { version: number; sql: string; run?: (db: Database.Database) => void }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

-- The log: one row per leaf, in sequence. data is the leaf data (JCS bytes of the entry).
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  data BLOB NOT NULL,
  statement_hash BLOB NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  asset_cid TEXT,
  creator TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX entries_asset ON entries (asset_cid, idx);
CREATE INDEX entries_creator ON entries (creator, idx);
-- "Has this creator already claimed this asset?" (restartable register): without it the planner
-- walks every entry of the creator.
CREATE INDEX entries_asset_creator ON entries (asset_cid, creator);

-- Every perfect subtree hash: (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) STRICT, WITHOUT ROWID;

CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root_hash BLOB NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL) STRICT;

-- Derived from entries, kept for lookups: the asset as first registered, and its lineage edges.
CREATE TABLE assets (
  cid TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  first_entry INTEGER NOT NULL REFERENCES entries (idx)
) STRICT;
CREATE TABLE lineage (
  child_cid TEXT NOT NULL,
  parent_cid TEXT NOT NULL,
  relation TEXT NOT NULL,
  entry_idx INTEGER NOT NULL REFERENCES entries (idx),
  PRIMARY KEY (child_cid, parent_cid, relation, entry_idx)
) STRICT, WITHOUT ROWID;
CREATE INDEX lineage_parent ON lineage (parent_cid);
`,
  },
  {
    version: 2,
    sql: `
-- Anchors of checkpoints on chains, one row per (chain, tree size): the state of each anchor.
-- Generic: the app maps rows to the chain package's records; storage knows nothing of chains.
CREATE TABLE anchors (
  chain_id INTEGER NOT NULL,
  tree_size INTEGER NOT NULL,
  root_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'included', 'final')),
  tx_hash TEXT,
  block_number INTEGER,
  block_hash TEXT,
  contract TEXT NOT NULL,
  log_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (chain_id, tree_size),
  CHECK (status = 'pending' OR (tx_hash IS NOT NULL AND block_number IS NOT NULL AND block_hash IS NOT NULL))
) STRICT;
CREATE INDEX anchors_status ON anchors (status, tree_size);

-- Signed licence offers, as issued (document = the offer JSON with its signature).
CREATE TABLE offers (
  offer_hash TEXT PRIMARY KEY,
  asset_cid TEXT NOT NULL,
  chain_id INTEGER NOT NULL,
  document TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX offers_asset ON offers (asset_cid, created_at);
`,
  },
  {
    version: 3,
    sql: `
-- Perceptual fingerprints (PDQ, 256 bits) of registered images, for near-duplicate lookup by
-- multi-index hashing (docs/adr/0009, 0010): 16 chunks of 16 bits, chunk i = bytes 2i..2i+1 of the
-- hash, big-endian. Chunk rows point at the fingerprint's rowid, not the CID: 16 small rows per image.
CREATE TABLE fingerprints (
  id INTEGER PRIMARY KEY,
  asset_cid TEXT NOT NULL REFERENCES assets (cid),
  algorithm TEXT NOT NULL,
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  quality INTEGER NOT NULL,
  UNIQUE (asset_cid, algorithm, hash)
) STRICT;
CREATE TABLE fingerprint_chunks (
  chunk_no INTEGER NOT NULL,
  chunk_value INTEGER NOT NULL,
  fingerprint_id INTEGER NOT NULL REFERENCES fingerprints (id),
  PRIMARY KEY (chunk_no, chunk_value, fingerprint_id)
) STRICT, WITHOUT ROWID;

-- C2PA Content Credentials found in a registered file, as imported (unsigned by us) evidence:
-- the validation result and the fields worth querying; the rest of the summary as JSON.
CREATE TABLE c2pa_evidence (
  asset_cid TEXT PRIMARY KEY REFERENCES assets (cid),
  valid INTEGER NOT NULL CHECK (valid IN (0, 1)),
  validation_status TEXT NOT NULL,
  claim_generator TEXT,
  digital_source_type TEXT,
  document TEXT NOT NULL,
  entry_idx INTEGER NOT NULL REFERENCES entries (idx)
) STRICT;
`,
  },
  {
    version: 4,
    sql: `
-- The chain indexer's state per chain (generic rows; the app adapts them to @mintmark/chain):
-- decoded contract events with their block, the recent block hashes kept to detect reorgs, and
-- the last block indexed. A reorg deletes the events and blocks above the common ancestor.
CREATE TABLE chain_events (
  chain_id INTEGER NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  tx_hash TEXT NOT NULL,
  contract TEXT NOT NULL,
  address TEXT NOT NULL,
  event TEXT NOT NULL,
  args_json TEXT NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
) STRICT, WITHOUT ROWID;
CREATE TABLE chain_blocks (chain_id INTEGER NOT NULL, number INTEGER NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (chain_id, number)) STRICT, WITHOUT ROWID;
CREATE TABLE chain_cursor (chain_id INTEGER PRIMARY KEY, block INTEGER NOT NULL) STRICT;
`,
  },
  {
    version: 5,
    // Fingerprint postings as packed buckets (fingerprint-buckets.ts; ADR 0010 amendment of
    // 2026-11-22): a lookup reads 272 bucket rows instead of ~16,000 chunk rows joined to their
    // fingerprints. The algorithm is part of the bucket key, so a `pdq` lookup never reads
    // `pdq-equalised` entries. Existing fingerprints are copied from their chunk rows (the `run`
    // step, one ordered pass), then the chunk rows (16 per fingerprint) are dropped.
    sql: `
CREATE TABLE fingerprint_algorithms (no INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
-- bucket = algorithm no · 2^20 + chunk_no · 2^16 + chunk_value; entries = 36 bytes per fingerprint
-- (32 hash bytes, fingerprint id uint32 little-endian), in insertion order.
CREATE TABLE fingerprint_buckets (bucket INTEGER PRIMARY KEY, entries BLOB NOT NULL) STRICT;
`,
    run(db) {
      fillBucketsFromChunks(db)
      db.exec('DROP TABLE fingerprint_chunks')
    },
  },
]

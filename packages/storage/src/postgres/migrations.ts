/**
 * Numbered schema migrations for the PostgreSQL store. Each runs once, in order, in one
 * transaction that also records it in `schema_migrations`; concurrent starters serialise on an
 * advisory lock (migrate.ts). Never edit a shipped migration: add a new one.
 *
 * Hashes are `bytea`, indices `bigint` (read back as JS numbers: a log stays below 2^53 leaves).
 */
export const postgresMigrations: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'log and index',
    sql: `
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);

-- One row: the log's size and the sequencer fencing token. Every append locks this row
-- (SELECT ... FOR UPDATE), which serialises appenders and lets an append check the epoch it was
-- started under: a sequencer that lost its role fails instead of appending.
CREATE TABLE log_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  size bigint NOT NULL CHECK (size >= 0),
  epoch bigint NOT NULL CHECK (epoch >= 0),
  holder text,
  taken_at timestamptz
);
INSERT INTO log_state (size, epoch) VALUES (0, 0);

-- The log: one row per leaf, in sequence. data is the leaf data. epoch: the sequencer epoch that
-- appended it (0 for a direct append); never decreases along idx. queue_seq: the queued
-- registration it was appended from (null for a direct append); waiters find their entry by
-- statement hash and know from queue_seq whether their registration created it.
CREATE TABLE entries (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  leaf_hash bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
  data bytea NOT NULL,
  statement_hash bytea NOT NULL UNIQUE,
  kind text NOT NULL,
  asset_cid text,
  creator text NOT NULL,
  created_at text NOT NULL,
  epoch bigint NOT NULL DEFAULT 0,
  queue_seq bigint
);
-- Earlier claims on an asset (in order), and "has this creator claimed it" (few claims per asset).
CREATE INDEX entries_asset ON entries (asset_cid, idx);

-- Every perfect subtree hash: (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
-- The primary key serves the one-query batch read of a proof's O(log n) nodes.
CREATE TABLE nodes (
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
  idx bigint NOT NULL CHECK (idx >= 0),
  hash bytea NOT NULL CHECK (octet_length(hash) = 32),
  PRIMARY KEY (level, idx)
);

CREATE TABLE checkpoints (
  size bigint PRIMARY KEY CHECK (size >= 0),
  root_hash bytea NOT NULL CHECK (octet_length(root_hash) = 32),
  note text NOT NULL,
  created_at text NOT NULL
);

-- Derived from entries, kept for lookups: the asset as first registered, and its lineage edges.
-- No foreign keys to entries: these rows are written by the same transaction as their entry,
-- and a key check would lock (write) the entry row once per derived row.
CREATE TABLE assets (
  cid text PRIMARY KEY,
  sha256 text NOT NULL,
  size bigint NOT NULL,
  media_type text NOT NULL,
  first_entry bigint NOT NULL
);
CREATE TABLE lineage (
  child_cid text NOT NULL,
  parent_cid text NOT NULL,
  relation text NOT NULL,
  entry_idx bigint NOT NULL,
  PRIMARY KEY (child_cid, parent_cid, relation, entry_idx)
);
CREATE INDEX lineage_parent ON lineage (parent_cid, entry_idx);

-- Perceptual fingerprints and their 16-bit chunks (multi-index hashing), as in the SQLite store.
CREATE TABLE fingerprints (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  asset_cid text NOT NULL REFERENCES assets (cid),
  algorithm text NOT NULL,
  hash bytea NOT NULL CHECK (octet_length(hash) = 32),
  quality integer NOT NULL CHECK (quality BETWEEN 0 AND 100),
  UNIQUE (asset_cid, algorithm, hash)
);
CREATE TABLE fingerprint_chunks (
  chunk_no smallint NOT NULL,
  chunk_value integer NOT NULL,
  fingerprint_id bigint NOT NULL REFERENCES fingerprints (id),
  PRIMARY KEY (chunk_no, chunk_value, fingerprint_id)
);

-- C2PA Content Credentials found in a registered file (imported evidence; the first one is kept).
CREATE TABLE c2pa_evidence (
  asset_cid text PRIMARY KEY REFERENCES assets (cid),
  valid boolean NOT NULL,
  validation_status jsonb NOT NULL,
  claim_generator text,
  digital_source_type text,
  document text NOT NULL,
  entry_idx bigint NOT NULL
);

-- Registrations accepted by any API node, durable before they are acknowledged, waiting for the
-- sequencer, in seq order. The transaction that appends a row's entry deletes the row (the
-- entry, with its queue_seq, is the receipt), so this table only holds what is pending. draft is
-- the registration's fields as JSON text (never queried inside).
CREATE TABLE queue (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  statement_hash bytea NOT NULL UNIQUE,
  draft text NOT NULL,
  payload bytea NOT NULL,
  queued_at timestamptz NOT NULL DEFAULT now()
);
-- Queued registrations the sequencer could not build an entry from, with the error code.
CREATE TABLE queue_rejected (
  seq bigint PRIMARY KEY,
  statement_hash bytea NOT NULL,
  error jsonb NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 2,
    name: 'app index: anchors, chain indexer, offers, fingerprint multi-index',
    sql: `
-- Text compared or sorted by the app (hashes, timestamps, CIDs) uses the "C" collation: byte order,
-- the same order the SQLite store gives, whatever the database's default collation.

-- Anchors of checkpoints on chains, one row per (chain, tree size), as in the SQLite store.
CREATE TABLE anchors (
  chain_id bigint NOT NULL,
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root_hash text COLLATE "C" NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'included', 'final')),
  tx_hash text COLLATE "C",
  block_number bigint,
  block_hash text COLLATE "C",
  contract text COLLATE "C" NOT NULL,
  log_id text COLLATE "C" NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error jsonb,
  updated_at text COLLATE "C" NOT NULL,
  PRIMARY KEY (chain_id, tree_size),
  CHECK (status = 'pending' OR (tx_hash IS NOT NULL AND block_number IS NOT NULL AND block_hash IS NOT NULL))
);
-- "The newest anchored size above a leaf": only included/final rows are proof targets.
CREATE INDEX anchors_anchored ON anchors (tree_size) WHERE status IN ('included', 'final');

-- Signed licence offers, as issued.
CREATE TABLE offers (
  offer_hash text COLLATE "C" PRIMARY KEY,
  asset_cid text COLLATE "C" NOT NULL,
  chain_id bigint NOT NULL,
  document text NOT NULL,
  created_at text COLLATE "C" NOT NULL
);
CREATE INDEX offers_asset ON offers (asset_cid, created_at, offer_hash);
CREATE INDEX offers_chain ON offers (chain_id, created_at, offer_hash);

-- The chain indexer's state per chain: decoded events, recent block hashes, the cursor.
CREATE TABLE chain_events (
  chain_id bigint NOT NULL,
  block_number bigint NOT NULL,
  block_hash text COLLATE "C" NOT NULL,
  log_index integer NOT NULL,
  tx_hash text COLLATE "C" NOT NULL,
  contract text NOT NULL,
  address text COLLATE "C" NOT NULL,
  event text NOT NULL,
  args_json text NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE TABLE chain_blocks (chain_id bigint NOT NULL, number bigint NOT NULL, hash text COLLATE "C" NOT NULL, PRIMARY KEY (chain_id, number));
CREATE TABLE chain_cursor (chain_id bigint PRIMARY KEY, block bigint NOT NULL);

-- The fingerprint multi-index keyed by algorithm too: a lookup for one algorithm reads only its
-- own chunk rows (the first schema joined every algorithm's rows sharing a chunk, then filtered).
-- Filled from the old table, which it replaces.
CREATE TABLE fingerprint_index (
  algorithm text COLLATE "C" NOT NULL,
  chunk_no smallint NOT NULL,
  chunk_value integer NOT NULL,
  fingerprint_id bigint NOT NULL REFERENCES fingerprints (id),
  PRIMARY KEY (algorithm, chunk_no, chunk_value, fingerprint_id)
);
INSERT INTO fingerprint_index (algorithm, chunk_no, chunk_value, fingerprint_id)
  SELECT f.algorithm, c.chunk_no, c.chunk_value, c.fingerprint_id FROM fingerprint_chunks c JOIN fingerprints f ON f.id = c.fingerprint_id;
DROP TABLE fingerprint_chunks;
CREATE INDEX fingerprints_algorithm ON fingerprints (algorithm);
`,
  },
]

/**
 * The registry of every error code Mintmark can produce: the single source of truth.
 * `status` is the HTTP status a transport maps the code to; `retry` says whether repeating the
 * same call can succeed. Each code has a section in docs/reference/errors.md (checked by a test).
 */
export const errorCodes = {
  // usage and input
  USAGE_INVALID: { status: 400, retry: false },
  INPUT_INVALID: { status: 400, retry: false },
  FILE_NOT_FOUND: { status: 404, retry: false },
  FILE_UNREADABLE: { status: 400, retry: false },
  FILE_NOT_WRITABLE: { status: 400, retry: false },
  // canonical JSON
  JSON_INVALID: { status: 400, retry: false },
  JCS_INVALID: { status: 422, retry: false },
  // content addressing
  CID_INVALID: { status: 400, retry: false },
  CONTENT_HASH_MISMATCH: { status: 422, retry: false },
  // manifest and statements
  MANIFEST_SCHEMA_INVALID: { status: 422, retry: false },
  MANIFEST_ROYALTY_SPLIT_INVALID: { status: 422, retry: false },
  STATEMENT_SCHEMA_INVALID: { status: 422, retry: false },
  // keys and signatures
  KEY_INVALID: { status: 400, retry: false },
  KEY_NOT_FOUND: { status: 404, retry: false },
  KEY_PASSPHRASE_REQUIRED: { status: 401, retry: false },
  KEY_PASSPHRASE_WRONG: { status: 401, retry: false },
  KEY_FILE_PERMISSIONS: { status: 500, retry: false },
  DID_INVALID: { status: 400, retry: false },
  DID_UNSUPPORTED: { status: 422, retry: false },
  SIGNATURE_INVALID: { status: 422, retry: false },
  SIGNATURE_MALFORMED: { status: 422, retry: false },
  SIGNER_MISMATCH: { status: 422, retry: false },
  // transparency log
  MERKLE_PROOF_INVALID: { status: 422, retry: false },
  MERKLE_PROOF_MALFORMED: { status: 422, retry: false },
  MERKLE_INDEX_OUT_OF_RANGE: { status: 400, retry: false },
  CONSISTENCY_PROOF_INVALID: { status: 422, retry: false },
  CHECKPOINT_MALFORMED: { status: 422, retry: false },
  CHECKPOINT_SIGNATURE_INVALID: { status: 422, retry: false },
  CHECKPOINT_UNVERIFIED: { status: 422, retry: false },
  CHECKPOINT_ORIGIN_MISMATCH: { status: 422, retry: false },
  CHECKPOINT_NOT_FOUND: { status: 404, retry: false },
  LOG_ENTRY_NOT_FOUND: { status: 404, retry: false },
  LOG_ROOT_MISMATCH: { status: 500, retry: false },
  LOG_APPEND_CONFLICT: { status: 409, retry: true },
  LOG_SEQUENCING_TIMEOUT: { status: 503, retry: true },
  LOG_FROZEN: { status: 409, retry: false },
  MIGRATE_TARGET_DIVERGED: { status: 409, retry: false },
  SEQUENCER_FENCED: { status: 409, retry: true },
  LEAF_HASH_MISMATCH: { status: 422, retry: false },
  // bundles
  BUNDLE_INVALID: { status: 422, retry: false },
  BUNDLE_VERSION_UNSUPPORTED: { status: 422, retry: false },
  // storage
  STORE_NOT_INITIALIZED: { status: 409, retry: false },
  STORE_CORRUPT: { status: 500, retry: false },
  STORE_PRAGMA_MISMATCH: { status: 500, retry: false },
  STORE_IO: { status: 503, retry: true },
  STORE_ACCESS_DENIED: { status: 500, retry: false },
  STORE_BUCKET_NOT_FOUND: { status: 500, retry: false },
  STORE_FEATURE_UNSUPPORTED: { status: 501, retry: false },
  BLOB_NOT_FOUND: { status: 404, retry: false },
  ASSET_NOT_FOUND: { status: 404, retry: false },
  // media
  MEDIA_TYPE_UNSUPPORTED: { status: 415, retry: false },
  IMAGE_INVALID: { status: 422, retry: false },
  IMAGE_TOO_LARGE: { status: 413, retry: false },
  WATERMARK_IMAGE_TOO_SMALL: { status: 422, retry: false },
  C2PA_SIGN_FAILED: { status: 500, retry: false },
  // EVM chains (packages/chain)
  CHAIN_RPC_UNREACHABLE: { status: 503, retry: true },
  CHAIN_RPC_ERROR: { status: 502, retry: true },
  CHAIN_ID_MISMATCH: { status: 409, retry: false },
  CHAIN_INSUFFICIENT_FUNDS: { status: 402, retry: false },
  CHAIN_TX_REVERTED: { status: 422, retry: false },
  CHAIN_TX_TIMEOUT: { status: 504, retry: true },
  ANCHOR_FORKED_LOG: { status: 409, retry: false },
  ANCHOR_ALREADY_ANCHORED: { status: 409, retry: false },
  ANCHOR_SUPERSEDED: { status: 409, retry: false },
  ANCHOR_REORGED: { status: 409, retry: true },
  LICENSE_OFFER_EXPIRED: { status: 422, retry: false },
  LICENSE_SIGNATURE_INVALID: { status: 422, retry: false },
  LICENSE_CURRENCY_NOT_ALLOWED: { status: 422, retry: false },
  DEVCHAIN_BINARY_NOT_FOUND: { status: 500, retry: false },
  DEVCHAIN_PORT_IN_USE: { status: 409, retry: false },
  DEVCHAIN_START_FAILED: { status: 503, retry: false },
  // chains in the application (packages/app)
  CONFIG_INVALID: { status: 400, retry: false },
  CHAIN_NOT_CONFIGURED: { status: 404, retry: false },
  CHAIN_KEY_MISSING: { status: 400, retry: false },
  ANCHOR_MISMATCH: { status: 422, retry: false },
  ANCHOR_NOT_ON_CHAIN: { status: 422, retry: false },
  OFFER_PAYEE_UNRESOLVED: { status: 422, retry: false },
  OFFER_REQUIRED_SHARE_MISSING: { status: 409, retry: false },
  OFFER_NOT_FOUND: { status: 404, retry: false },
  // HTTP service (apps/server)
  AUTH_REQUIRED: { status: 401, retry: false },
  AUTH_INVALID: { status: 401, retry: false },
  AUTH_FORBIDDEN: { status: 403, retry: false },
  HTTP_SIGNATURE_INVALID: { status: 401, retry: false },
  HTTP_SIGNATURE_EXPIRED: { status: 401, retry: false },
  HTTP_SIGNATURE_REPLAYED: { status: 401, retry: false },
  CONTENT_DIGEST_MISMATCH: { status: 400, retry: false },
  RATE_LIMITED: { status: 429, retry: true },
  BODY_TOO_LARGE: { status: 413, retry: false },
  CONTENT_ENCODING_UNSUPPORTED: { status: 415, retry: false },
  ROUTE_NOT_FOUND: { status: 404, retry: false },
  METHOD_NOT_ALLOWED: { status: 405, retry: false },
  IDEMPOTENCY_KEY_REUSED: { status: 422, retry: false },
  IDEMPOTENCY_KEY_IN_PROGRESS: { status: 409, retry: true },
  CURSOR_INVALID: { status: 400, retry: false },
  STATEMENT_CLOCK_SKEW: { status: 422, retry: false },
  SERVICE_UNAVAILABLE: { status: 503, retry: true },
  // agents (MCP server, apps/server/src/mcp)
  AGENT_NOT_FOUND: { status: 404, retry: false },
  AGENT_POLICY_DENIED: { status: 403, retry: false },
  AGENT_BUDGET_EXCEEDED: { status: 402, retry: false },
  LICENSE_REQUIRED: { status: 403, retry: false },
  // verification summary (a report whose verdict is not "verified", raised by assertVerified)
  VERIFICATION_FAILED: { status: 422, retry: false },
  // register's preparing worker thread stopped (crashed, out of memory, could not start)
  REGISTER_WORKER_FAILED: { status: 500, retry: true },
  INTERNAL: { status: 500, retry: false },
} as const satisfies Record<string, { status: number; retry: boolean }>

export type ErrorCode = keyof typeof errorCodes

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value)
}

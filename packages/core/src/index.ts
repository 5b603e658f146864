// biome-ignore lint/performance/noBarrelFile: package entrypoint
// The public surface of @mintmark/core. Pure: no I/O, no clock, runs in browsers.
export { docsBaseUrl, isMintmarkError, MintmarkError, type MintmarkErrorOptions } from './errors/base.js'
export { type ErrorCode, errorCodes, isErrorCode } from './errors/codes.js'

export { canonicalize, canonicalizeToBytes, parseJson } from './canonical/index.js'

export {
  type CidProfile,
  type CidProfileName,
  cidProfiles,
  type ContentHasher,
  type ContentHashResult,
  type ContentId,
  createContentHasher,
  defaultCidProfileName,
  hashBytes,
  isContentId,
  nobleSha256,
  parseContentId,
  type Sha256Provider,
} from './hash/index.js'

export { type Did, didKeyFromPublicKey, type Ed25519KeyPair, generateEd25519KeyPair, isDid, publicKeyFromDid } from './keys/index.js'
export {
  createLocalSigner,
  type Ed25519VerifyBackend,
  nobleEd25519Verify,
  type SignedStatement,
  type Signer,
  type StatementSignature,
  signStatement,
  statementSigningInput,
  statementSigningPrefix,
  verifyEd25519,
  verifyStatementSignature,
} from './signing/index.js'

export {
  assertManifest,
  assetSchema,
  createManifest,
  digitalSourceTypes,
  type Manifest,
  type ManifestInput,
  manifestErrorFromIssues,
  manifestJsonSchema,
  manifestSchema,
  safeParseManifest,
  splitAmount,
} from './manifest/index.js'

export {
  appendLeaves,
  type CompactRange,
  compactRangeRoot,
  consistencyProofPlan,
  createMemoryTree,
  emptyCompactRange,
  emptyRoot,
  inclusionProofPlan,
  leafHash,
  type MemoryTree,
  type NodeId,
  nodeHash,
  type ProofPlan,
  rootFromLeafHashes,
  rootPlan,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './merkle/index.js'

export {
  type Checkpoint,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  encodeEd25519VerifierKey,
  formatCheckpoint,
  type NoteSigner,
  type NoteVerifier,
  openNote,
  parseCheckpoint,
  signNote,
} from './checkpoint/index.js'

export { decodeLogEntry, encodeLogEntry, type LogEntry, logEntryLeafHash, logEntrySchema, type PriorClaim, toLogEntry } from './log/log-entry.js'
export { type Anchor, anchorSchema, bundleFromJSON, bundleMediaType, bundleSchema, bundleToJSON, parseBundle, type ProvenanceBundle } from './bundle/bundle.js'
export { assertVerified, type Check, type CheckCode, type CheckStatus, deriveVerdict, type Verdict } from './verify/report.js'
export { type BundleVerificationReport, verifyBundle, type VerifyBundleParameters } from './verify/verify-bundle.js'
export type { Clock, LogStore } from './types/ports.js'

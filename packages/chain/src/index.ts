// biome-ignore lint/performance/noBarrelFile: package entrypoint
// The public surface of @mintmark/chain: viem actions over the Mintmark contracts, the anchorer,
// the indexer and a local dev chain. Actions take a viem client and one parameters object.
export { mintmarkAnchorAbi, mintmarkAnchorBytecode, mintmarkLicensesAbi, mintmarkLicensesBytecode } from './generated/contracts.js'
export type { Bytes32Like } from './internal/hex.js'
export type { MintmarkContracts, ReadClient, TransactionResult, WriteClient } from './types.js'
export { logIdFromVerifierKey } from './log-id.js'
export { type ChainErrorContext, redactRpcUrl, toChainError } from './internal/errors.js'

export { type AnchorCheckpointErrorType, type AnchorCheckpointParameters, type AnchorCheckpointReturnType, anchorCheckpoint } from './actions/anchor-checkpoint.js'
export { type CreateLogErrorType, type CreateLogParameters, type CreateLogReturnType, createLog } from './actions/create-log.js'
export { type GetAnchoredRootErrorType, type GetAnchoredRootParameters, type GetAnchoredRootReturnType, getAnchoredRoot } from './actions/get-anchored-root.js'
export { type GetLatestAnchorErrorType, type GetLatestAnchorParameters, type GetLatestAnchorReturnType, getLatestAnchor } from './actions/get-latest-anchor.js'
export {
  type VerifyInclusionOnChainErrorType,
  type VerifyInclusionOnChainParameters,
  type VerifyInclusionOnChainReturnType,
  verifyInclusionOnChain,
} from './actions/verify-inclusion-on-chain.js'

export {
  type GetOfferDigestParameters,
  getOfferDigest,
  hashOffer,
  type Offer,
  type OfferDomainParameters,
  type OfferPayee,
  offerDomain,
  offerTypes,
} from './licenses/offer.js'
export { type SignOfferErrorType, type SignOfferParameters, type SignOfferReturnType, signOffer } from './licenses/sign-offer.js'
export { type PurchaseLicenseErrorType, type PurchaseLicenseParameters, type PurchaseLicenseReturnType, purchaseLicense } from './licenses/purchase-license.js'
export { type WithdrawRoyaltiesErrorType, type WithdrawRoyaltiesParameters, type WithdrawRoyaltiesReturnType, withdrawRoyalties } from './licenses/withdraw-royalties.js'
export { type GetOwedErrorType, type GetOwedParameters, type GetOwedReturnType, getOwed } from './licenses/get-owed.js'
export { type CancelOfferErrorType, type CancelOfferParameters, type CancelOfferReturnType, cancelOffer } from './licenses/cancel-offer.js'

export { type AnchorRecord, type AnchorStateStore, type AnchorStatus, createMemoryAnchorState } from './anchorer/anchor-state.js'
export {
  type Anchorer,
  type AnchorerCheckpoint,
  type AnchorerRefreshReturnType,
  type AnchorerResult,
  type AnchorerRetryOptions,
  type AnchorTarget,
  type CreateAnchorerParameters,
  createAnchorer,
} from './anchorer/create-anchorer.js'
export { createMemoryIndexerStore, type IndexedBlock, type IndexedEvent, type IndexerStore, type JsonValue } from './indexer/indexer-store.js'
export { type CreateIndexerParameters, createIndexer, type Indexer, type IndexerEvent, type IndexerSyncReturnType } from './indexer/create-indexer.js'

export { type DevAccount, type DevAccounts, devMnemonic, getDevAccounts } from './dev-chain/dev-accounts.js'
export { type DevChain, type StartDevChainErrorType, type StartDevChainParameters, startDevChain } from './dev-chain/start-dev-chain.js'

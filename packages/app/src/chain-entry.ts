// biome-ignore lint/performance/noBarrelFile: package entrypoint (@mintmark/app/chain)
// The operations that talk to EVM chains: anchoring, chain status and indexing, offers, licences and
// royalties. A separate entry so that importing @mintmark/app does not load viem.
export {
  anchor,
  type AnchorChainResult,
  type AnchorParameters,
  type AnchorReturnType,
  type ChainStatus,
  chainStatus,
  type ChainStatusReturnType,
} from './anchor.js'
export { checkAnchors, type RpcUrls } from './anchor-checks.js'
export { createStoreAnchorState } from './anchor-state.js'
export { type AppChain, type ChainManager, createChainManager } from './chain.js'
export {
  type ChainEventCounts,
  type ChainIndexParameters,
  type ChainIndexResult,
  createStoreIndexerStore,
  indexedChainSummary,
  syncChainIndex,
  type SyncChainIndexReturnType,
} from './chain-index.js'
export {
  buyLicense,
  type BuyLicenseParameters,
  type BuyLicenseReturnType,
  createOffer,
  type CreateOfferParameters,
  type OfferDocument,
  offerDocumentSchema,
  parseOfferDocument,
  parsePrice,
  royalties,
  type RoyaltiesParameters,
  type RoyaltiesReturnType,
} from './offers.js'

// biome-ignore lint/performance/noBarrelFile: package entrypoint
export { auditStore, type AuditReport } from './audit.js'
export { defaultHome, type HomeConfig, homePaths, initHome, type InitHomeParameters, type InitHomeReturnType } from './home.js'
export { sniffMediaType } from './media-type.js'
export { createNodeEd25519Signer, nodeEd25519Verify } from './node-signer.js'
export { type AppContext, openApp, type OpenAppParameters } from './open-app.js'
export { exportBundle, logCheckpoint, logConsistency, logProve, showAsset } from './records.js'
export {
  register,
  type RegisteredAsset,
  type RegisterParameters,
  type RegisterProgressEvent,
  type RegisterReturnType,
  type RegisterTemplate,
} from './register.js'
export { type VerifyCandidate, type VerifyFileParameters, type VerifyOfflineParameters, type VerifyReport, verifyFile, verifyOffline } from './verify.js'
export { createStoreFingerprintBackend, fingerprintImage, pdqAlgorithm, storeFingerprintIndex } from './fingerprints.js'
export { type C2paEvidence, exportC2pa, type ExportC2paParameters, type ExportC2paReturnType, readC2paEvidence, readPemFile, statementHashOf } from './c2pa.js'
export {
  defaultWatermarkedPath,
  detectWatermarkFile,
  embedWatermarkFile,
  type EmbedWatermarkFileParameters,
  indexFromPayload,
  payloadForIndex,
  readWatermarkKey,
  registerWatermarked,
  type WatermarkDetection,
  type WatermarkedAsset,
  watermarkKey,
  watermarkKeyFile,
} from './watermark.js'
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
export { type AppChain, type ChainManager, createChainManager, devChainId, devChainName } from './chain.js'
export {
  type ChainEventCounts,
  type ChainIndexParameters,
  type ChainIndexResult,
  createStoreIndexerStore,
  indexedChainSummary,
  syncChainIndex,
  type SyncChainIndexReturnType,
} from './chain-index.js'
export { type ChainConfig, chainConfigSchema, chainsConfigSchema } from './chain-config.js'
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

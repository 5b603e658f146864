// biome-ignore lint/performance/noBarrelFile: package entrypoint
export { auditStore, type AuditReport } from './audit.js'
export { defaultHome, type HomeConfig, homePaths, initHome, type InitHomeParameters, type InitHomeReturnType, readConfig } from './home.js'
export { sniffMediaType } from './media-type.js'
export { type MigrateProgress, migrateStore, type MigrateStoreParameters, type MigrateStoreReturnType } from './migrate.js'
export { type DatabaseConfig, databaseConfigSchema, redactDatabaseUrl, resolveDatabaseConfig } from './database-config.js'
export { type BlobsConfig, blobsConfigSchema, openBlobStore, resolveBlobsConfig } from './blobs-config.js'
export { type AppendedStatement, createStatementAppender, maxFutureSkewMs, prepareSignedStatement } from './signed-statements.js'
export { createNodeEd25519Signer, nodeEd25519Verify } from './node-signer.js'
export { type AppContext, openApp, type OpenAppParameters, requireSqlite } from './open-app.js'
export { freezeLog, type FreezeLogReturnType } from './freeze-log.js'
export { exportBundle, logCheckpoint, logConsistency, logProve, showAsset } from './records.js'
export {
  register,
  type RegisteredAsset,
  type RegisterParameters,
  type RegisterProgressEvent,
  type RegisterReturnType,
  type RegisterTemplate,
} from './register.js'
export { type VerifyCandidate, type VerifyFileParameters, type VerifyOfflineParameters, type VerifyReport, verifyBytes, verifyFile, verifyOffline } from './verify.js'
export { createStoreFingerprintBackend, fingerprintImage, pdqAlgorithm, pdqEqualisedAlgorithm, storeFingerprintIndex, storeImageIndexes } from './fingerprints.js'
export { type ReindexFingerprintsOptions, type ReindexFingerprintsReport, reindexFingerprints } from './reindex-fingerprints.js'
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
export { type ChainConfig, chainConfigSchema, chainsConfigSchema, devChainId, devChainName } from './chain-config.js'

// biome-ignore lint/performance/noBarrelFile: package entrypoint
export { auditStore, type AuditReport } from './audit.js'
export { defaultHome, homePaths, initHome, type InitHomeParameters, type InitHomeReturnType } from './home.js'
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
export { type VerifyReport, verifyFile, verifyOffline } from './verify.js'

export { type Did, didPattern, isDid, maxDidLength } from './did.js'
export { didKeyFromPublicKey, ed25519PubMulticodec } from './did-key-from-public-key.js'
export { type Ed25519KeyPair, generateEd25519KeyPair } from './generate-ed25519-key-pair.js'
export { type PublicKeyFromDidErrorType, publicKeyFromDid } from './public-key-from-did.js'

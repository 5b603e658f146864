export { canonicalize, type CanonicalizeErrorType, isWellFormedString } from './canonicalize.js'
export { canonicalizeToBytes } from './canonicalize-to-bytes.js'
export { JsonParseError, type ParseJsonErrorType, type ParseJsonOptions, parseJson } from './parse-json.js'

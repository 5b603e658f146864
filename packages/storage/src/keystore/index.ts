export { type KeyFileContents, defaultScryptParams } from './key-file-format.js'
export { type ReadKeyFileErrorType, type ReadKeyFileOptions, readKeyFile } from './read-key-file.js'
export { type WriteKeyFileErrorType, type WriteKeyFileOptions, writeKeyFile } from './write-key-file.js'

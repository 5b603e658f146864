export { type KeyFileContents, readKeyFile, writeKeyFile } from './key-file.js'

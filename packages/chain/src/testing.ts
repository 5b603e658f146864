// biome-ignore lint/performance/noBarrelFile: package entrypoint (@mintmark/chain/testing)
// Contracts only tests deploy (never part of a production deployment), and test helpers.
export { mockErc20Abi, mockErc20Bytecode } from './generated/mocks.js'
export { findFreePort } from './internal/free-port.js'

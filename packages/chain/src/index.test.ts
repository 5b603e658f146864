import { expect, test } from 'vitest'
import * as chain from './index.js'
import { redactRpcUrl } from './internal/errors.js'
import * as testing from './testing.js'

test('public surface (a new export is a conscious diff)', () => {
  expect(Object.keys(chain).sort()).toMatchInlineSnapshot(`
    [
      "anchorCheckpoint",
      "cancelOffer",
      "createAnchorer",
      "createIndexer",
      "createLog",
      "createMemoryAnchorState",
      "createMemoryIndexerStore",
      "devMnemonic",
      "getAnchoredRoot",
      "getDevAccounts",
      "getLatestAnchor",
      "getOfferDigest",
      "getOwed",
      "hashOffer",
      "logIdFromVerifierKey",
      "mintmarkAnchorAbi",
      "mintmarkAnchorBytecode",
      "mintmarkLicensesAbi",
      "mintmarkLicensesBytecode",
      "offerDomain",
      "offerTypes",
      "purchaseLicense",
      "redactRpcUrl",
      "signOffer",
      "startDevChain",
      "toChainError",
      "verifyInclusionOnChain",
      "withdrawRoyalties",
    ]
  `)
  expect(Object.keys(testing).sort()).toEqual(['findFreePort', 'mockErc20Abi', 'mockErc20Bytecode'])
})

// The generated ABIs/bytecode are checked against the forge artifacts by the test command itself
// (scripts/test.mjs: forge build, then scripts/gen-contracts.mjs --check), which always has them.
test('RPC URLs are redacted to scheme, host and port before they enter error details', () => {
  expect(redactRpcUrl('https://user:pw@eth.example.com/v3/secret?key=1')).toBe('https://eth.example.com/…')
  expect(redactRpcUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545')
  expect(redactRpcUrl('not a url')).toBe('(unparseable URL)')
})

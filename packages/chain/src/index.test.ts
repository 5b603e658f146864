import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
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
  expect(Object.keys(testing).sort()).toEqual(['mockErc20Abi', 'mockErc20Bytecode'])
})

const root = path.resolve(import.meta.dirname, '../../..')
test.skipIf(!existsSync(path.join(root, 'contracts/out/MintmarkAnchor.sol/MintmarkAnchor.json')))(
  'the generated ABIs and bytecode match the forge artifacts (scripts/gen-contracts.mjs --check)',
  () => {
    const run = spawnSync(process.execPath, ['scripts/gen-contracts.mjs', '--check'], { cwd: root, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
  },
)

test('RPC URLs are redacted to scheme, host and port before they enter error details', () => {
  expect(redactRpcUrl('https://user:pw@eth.example.com/v3/secret?key=1')).toBe('https://eth.example.com/…')
  expect(redactRpcUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545')
  expect(redactRpcUrl('not a url')).toBe('(unparseable URL)')
})

import { type Address, bytesToHex, type Hex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'

/** The dev chain's mnemonic (anvil's and hardhat's well-known test phrase): never hold value with it. */
export const devMnemonic = 'test test test test test test test test test test test junk'

/** A funded dev account: address and private key (public knowledge; tests and local use only). */
export type DevAccount = { address: Address; privateKey: Hex }

/** Number of funded accounts the dev chain starts with (anvil's default). */
const devAccountCount = 10

/** Ten accounts; the first always exists (the admin and operator of a dev chain). */
export type DevAccounts = readonly [DevAccount, ...DevAccount[]]

let cached: DevAccounts | undefined

/** The dev chain's accounts, derived from {@link devMnemonic} at m/44'/60'/0'/0/i, as anvil does. */
export function getDevAccounts(): DevAccounts {
  cached ??= deriveAccounts()
  return cached
}

function deriveAccounts(): DevAccounts {
  // One seed derivation (PBKDF2, the slow part) for all accounts: derive the parent once.
  const parent = mnemonicToAccount(devMnemonic, { path: "m/44'/60'/0'/0" }).getHdKey()
  const derive = (index: number): DevAccount => {
    const key = parent.deriveChild(index).privateKey
    if (!key) throw new Error('HD key derivation returned no private key')
    const privateKey = bytesToHex(key)
    return Object.freeze({ address: privateKeyToAccount(privateKey).address, privateKey })
  }
  return [derive(0), ...Array.from({ length: devAccountCount - 1 }, (_, i) => derive(i + 1))]
}

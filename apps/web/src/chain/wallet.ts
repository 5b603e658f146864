import { type Account, type Chain, type EIP1193Provider, type PublicClient, type Transport, type WalletClient, createPublicClient, createWalletClient, custom, defineChain, http } from 'viem'
import { HDKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import type { ChainInfo } from '../api/types.js'
import { WalletError } from './errors.js'

/** A connected wallet: who signs, on which chain, and the clients to read and send with. */
export type WalletSession = {
  kind: 'injected' | 'dev'
  address: `0x${string}`
  chainId: number
  chainName: string
  /** The dev account's index on the dev chain. */
  devIndex?: number
  wallet: WalletClient<Transport, Chain, Account>
  reader: PublicClient
}

/** anvil's (and hardhat's) public test mnemonic: its accounts hold play money on the dev chain only. */
export const devMnemonic = 'test test test test test test test test test test test junk'
export const devAccountCount = 10

function viemChain(info: ChainInfo, rpcUrl: string): Chain {
  return defineChain({ id: info.chainId, name: info.name, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
}

let devKeys: `0x${string}`[] | undefined

/** The dev chain's ten accounts' keys, derived as anvil does (m/44'/60'/0'/0/i); the seed once. */
function devPrivateKeys(): `0x${string}`[] {
  if (devKeys) return devKeys
  const parent: HDKey = mnemonicToAccount(devMnemonic, { path: "m/44'/60'/0'/0" }).getHdKey()
  devKeys = Array.from({ length: devAccountCount }, (_, i) => {
    const key = parent.deriveChild(i).privateKey
    if (!key) throw new Error('HD derivation gave no key')
    return `0x${[...key].map((b) => b.toString(16).padStart(2, '0')).join('')}` as `0x${string}`
  })
  return devKeys
}

/**
 * The built-in dev wallet: a local account of the public test mnemonic, signing in the page and
 * sending to the dev chain's RPC. Only offered for a chain the server marks as its local dev chain.
 */
export async function connectDevWallet(info: ChainInfo, index: number): Promise<WalletSession> {
  if (!info.dev || !info.rpcUrl) throw new WalletError('NO_WALLET', 'The dev wallet only works on the local dev chain.')
  const account = privateKeyToAccount(devPrivateKeys()[index] ?? devPrivateKeys()[devAccountCount - 1] as `0x${string}`)
  const chain = viemChain(info, info.rpcUrl)
  const transport = http(info.rpcUrl, { retryCount: 0, timeout: 15_000 })
  const wallet = createWalletClient({ account, chain, transport, pollingInterval: 250 })
  const reader = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient
  return { kind: 'dev', address: account.address, chainId: info.chainId, chainName: info.name, devIndex: index, wallet, reader }
}

/** Connects the browser's wallet (EIP-1193 `window.ethereum`) and puts it on the chain asked for. */
export async function connectInjectedWallet(info: ChainInfo): Promise<WalletSession> {
  const provider = (globalThis as { ethereum?: EIP1193Provider }).ethereum
  if (!provider) throw new WalletError('NO_WALLET', 'No browser wallet found.')
  const hexId = `0x${info.chainId.toString(16)}` as const
  try {
    const accounts = (await provider.request({ method: 'eth_requestAccounts' })) as string[]
    const address = accounts[0] as `0x${string}` | undefined
    if (!address) throw new WalletError('NO_WALLET', 'The wallet shared no account.')
    if (Number(await provider.request({ method: 'eth_chainId' })) !== info.chainId) {
      try {
        await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: hexId }] })
      } catch (error) {
        // 4902: the wallet does not know the chain; add it when its RPC is public (the dev chain).
        if ((error as { code?: number }).code !== 4902 || !info.rpcUrl) throw error
        await provider.request({
          method: 'wallet_addEthereumChain',
          params: [{ chainId: hexId, chainName: info.name, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: [info.rpcUrl] }],
        })
      }
      if (Number(await provider.request({ method: 'eth_chainId' })) !== info.chainId)
        throw new WalletError('WRONG_CHAIN', `Switch your wallet to ${info.name} (chain id ${info.chainId}) and connect again.`)
    }
    const chain = viemChain(info, info.rpcUrl ?? 'http://invalid.localhost')
    const wallet = createWalletClient({ account: address, chain, transport: custom(provider) }) as unknown as WalletClient<Transport, Chain, Account>
    const reader = createPublicClient({ chain, transport: custom(provider) }) as PublicClient
    return { kind: 'injected', address, chainId: info.chainId, chainName: info.name, wallet, reader }
  } catch (error) {
    throw WalletError.from(error)
  }
}

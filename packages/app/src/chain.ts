import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { type DevChain, getDevAccounts, startDevChain } from '@mintmark/chain'
import { MintmarkError } from '@mintmark/core'
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hex,
  http,
  type LocalAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type ChainConfig, devChainId, devChainName } from './chain-config.js'

export type AppPublicClient = PublicClient<Transport, Chain>
export type AppWalletClient = WalletClient<Transport, Chain, LocalAccount>

/** One chain the app talks to, with clients and the keys it acts with. */
export type AppChain = {
  name: string
  chainId: number
  rpcUrl: string
  contracts: { anchor: Address; licenses: Address }
  confirmations: number
  /** True for the local dev chain the app started itself. */
  dev: boolean
  chain: Chain
  /** Receipt polling interval, ms. */
  pollingIntervalMs: number
  publicClient: AppPublicClient
  /** The operator: anchors, signs offers as seller, sets required shares as registrar. */
  operator(): Promise<LocalAccount>
  /** The account that buys licences: on the dev chain a dev account other than the operator. */
  buyer(): Promise<LocalAccount>
  /** The local account holding `address`, when the app has its key (dev accounts, the operator). */
  accountFor(address: Address): Promise<LocalAccount | undefined>
  wallet(account: LocalAccount): AppWalletClient
}

export type ChainManager = {
  /** True when config.json lists chains (no dev chain is ever started then). */
  configured: boolean
  /** The chains to act on: all, or those named. Starts the dev chain on first use when none is configured. */
  list(names?: readonly string[] | undefined): Promise<AppChain[]>
  /** RPC URLs by chain id for the given ids (starting the dev chain only if one of them is its id). */
  rpcUrls(chainIds: readonly number[]): Promise<Record<number, string>>
  /** Stops the dev chain if this context started it (anvil writes its state on exit). */
  close(): Promise<void>
}

export type CreateChainManagerParameters = {
  chains: readonly ChainConfig[] | undefined
  /** The home root: relative key files resolve against it. */
  home: string
  devChainDir: string
  env: NodeJS.ProcessEnv
}

/**
 * The chains of one app context. Configured chains come from config.json; with none, a local
 * anvil dev chain (state in `<home>/chain/dev`) is started on demand and stopped on `close()`.
 */
export function createChainManager(parameters: CreateChainManagerParameters): ChainManager {
  const configured = (parameters.chains ?? []).length > 0
  let dev: Promise<DevChain> | undefined
  let built: AppChain[] | undefined

  async function startDev(): Promise<DevChain> {
    dev ??= startDevChain({ dir: parameters.devChainDir, chainId: devChainId })
    dev.catch(() => {
      dev = undefined
    })
    return dev
  }

  async function all(): Promise<AppChain[]> {
    if (built) return built
    if (configured) {
      built = (parameters.chains ?? []).map((c) => configuredChain(c, parameters))
    } else {
      const node = await startDev()
      built = [devAppChain(node)]
    }
    return built
  }

  return {
    configured,
    async list(names) {
      const chains = await all()
      if (!names?.length) return chains
      return names.map((name) => {
        const found = chains.find((c) => c.name === name || String(c.chainId) === name)
        if (!found)
          throw new MintmarkError('CHAIN_NOT_CONFIGURED', `No chain named ${JSON.stringify(name)} in this home.`, {
            metaMessages: [`Chains: ${chains.map((c) => `${c.name} (${c.chainId})`).join(', ')}`],
          })
        return found
      })
    },
    async rpcUrls(chainIds) {
      const urls: Record<number, string> = {}
      if (configured) {
        for (const c of parameters.chains ?? []) if (chainIds.includes(c.chainId)) urls[c.chainId] = c.rpcUrl
      } else if (chainIds.includes(devChainId)) {
        urls[devChainId] = (await startDev()).rpcUrl
      }
      return urls
    },
    async close() {
      const running = dev
      dev = undefined
      built = undefined
      if (running) await (await running.catch(() => undefined))?.stop()
    },
  }
}

function viemChain(chainId: number, name: string, rpcUrl: string): Chain {
  return defineChain({ id: chainId, name, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
}

function makePublicClient(chain: Chain, pollingInterval: number): AppPublicClient {
  // No transport retries: a wrong URL fails at once with CHAIN_RPC_UNREACHABLE.
  return createPublicClient({ chain, transport: http(undefined, { retryCount: 0, timeout: 10_000 }), pollingInterval })
}

function makeWalletClient(chain: Chain, account: LocalAccount, pollingInterval: number): AppWalletClient {
  return createWalletClient({ chain, account, transport: http(undefined, { retryCount: 0, timeout: 10_000 }), pollingInterval })
}

function devAppChain(node: DevChain): AppChain {
  const chain = viemChain(node.chainId, devChainName, node.rpcUrl)
  const accounts = getDevAccounts()
  const account = (i: number) => privateKeyToAccount((accounts[i] ?? accounts[0]).privateKey)
  const pollingIntervalMs = 50
  return {
    name: devChainName,
    chainId: node.chainId,
    rpcUrl: node.rpcUrl,
    contracts: node.contracts,
    confirmations: 1,
    dev: true,
    chain,
    pollingIntervalMs,
    publicClient: makePublicClient(chain, pollingIntervalMs),
    operator: async () => account(0),
    buyer: async () => account(accounts.length - 1),
    async accountFor(address) {
      const i = accounts.findIndex((a) => a.address.toLowerCase() === address.toLowerCase())
      return i < 0 ? undefined : account(i)
    },
    wallet: (a) => makeWalletClient(chain, a, pollingIntervalMs),
  }
}

function configuredChain(config: ChainConfig, parameters: CreateChainManagerParameters): AppChain {
  const chain = viemChain(config.chainId, config.name, config.rpcUrl)
  const pollingIntervalMs = 1_000
  let key: Promise<LocalAccount> | undefined
  const operator = () => {
    key ??= loadChainKey(config, parameters)
    key.catch(() => {
      key = undefined
    })
    return key
  }
  return {
    name: config.name,
    chainId: config.chainId,
    rpcUrl: config.rpcUrl,
    contracts: { anchor: getAddress(config.contracts.anchor), licenses: getAddress(config.contracts.licenses) },
    confirmations: config.confirmations,
    dev: false,
    chain,
    pollingIntervalMs,
    publicClient: makePublicClient(chain, pollingIntervalMs),
    operator,
    buyer: operator,
    async accountFor(address) {
      const a = await operator()
      return a.address.toLowerCase() === address.toLowerCase() ? a : undefined
    },
    wallet: (a) => makeWalletClient(chain, a, pollingIntervalMs),
  }
}

/** The chain key: `keyFile` (0x-hex, mode 0600), else $MINTMARK_CHAIN_KEY. */
async function loadChainKey(config: ChainConfig, parameters: CreateChainManagerParameters): Promise<LocalAccount> {
  let text: string | undefined
  let source: string
  if (config.keyFile) {
    const file = path.resolve(parameters.home, config.keyFile)
    source = `key file of chain ${config.name}`
    let mode: number
    try {
      mode = (await fsp.stat(file)).mode
      text = await fsp.readFile(file, 'utf8')
    } catch (cause) {
      throw new MintmarkError('CHAIN_KEY_MISSING', `The key file of chain ${config.name} cannot be read.`, { cause, details: file })
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0)
      throw new MintmarkError('CHAIN_KEY_MISSING', `The key file of chain ${config.name} is readable by others: it must be mode 0600.`, {
        details: `${file} has mode ${(mode & 0o777).toString(8)}`,
      })
  } else {
    text = parameters.env.MINTMARK_CHAIN_KEY
    source = 'MINTMARK_CHAIN_KEY'
    if (!text)
      throw new MintmarkError('CHAIN_KEY_MISSING', `Chain ${config.name} has no key: set its keyFile in config.json or MINTMARK_CHAIN_KEY.`)
  }
  const hex = text.trim()
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new MintmarkError('CHAIN_KEY_MISSING', `The ${source} is not a 0x-hex 32-byte private key.`)
  return privateKeyToAccount(hex as Hex)
}

/** Wraps a chain failure so its message names the chain; the code stays the original's. */
export function namedChainError(chain: { name: string; chainId: number }, error: unknown, what: string, rpc?: string): MintmarkError {
  const e = error instanceof MintmarkError ? error : new MintmarkError('INTERNAL', 'An unexpected error occurred.', { cause: error })
  return new MintmarkError(e.code, `${what} on chain ${chain.name} (${chain.chainId}) failed: ${e.shortMessage}`, {
    cause: e,
    details: e.details ?? (rpc ? `RPC ${rpc}` : undefined),
  })
}

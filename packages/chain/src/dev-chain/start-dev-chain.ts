import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { MintmarkError } from '@mintmark/core'
import { createTestClient, createWalletClient, defineChain, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { toChainError } from '../internal/errors.js'
import { findFreePort } from '../internal/free-port.js'
import type { MintmarkContracts } from '../types.js'
import { deployMintmarkContracts, ensureCreate2Deployer } from './deploy-contracts.js'
import { type DevAccounts, devMnemonic, getDevAccounts } from './dev-accounts.js'
import { resolveAnvilBinary } from './resolve-anvil-binary.js'

export type StartDevChainParameters = {
  /** Directory holding the chain's state (`anvil-state.json`); the same directory restarts the same chain. */
  dir: string
  /** Port on 127.0.0.1; default: a free one. */
  port?: number | undefined
  /** Default 31337. */
  chainId?: number | undefined
  /** How long to wait for the RPC to answer; default 20 s. */
  readyTimeoutMs?: number | undefined
}

export type DevChain = {
  rpcUrl: string
  chainId: number
  /** Funded accounts from {@link devMnemonic}; `accounts[0]` deployed the contracts and holds every role. */
  accounts: DevAccounts
  contracts: MintmarkContracts
  /** Stops anvil with SIGTERM and waits for it to exit (it writes its state on exit). Idempotent. */
  stop(): Promise<void>
}

export type StartDevChainErrorType = MintmarkError<'DEVCHAIN_BINARY_NOT_FOUND' | 'DEVCHAIN_PORT_IN_USE' | 'DEVCHAIN_START_FAILED'>

/** Seconds between state dumps while running, so a crash (no SIGTERM) loses little. */
const stateIntervalSeconds = 5
const stopTimeoutMs = 10_000

/**
 * Starts a local anvil chain for development and tests, listening on 127.0.0.1 only, with
 * deterministic accounts and the Mintmark contracts at fixed CREATE2 addresses (deployed on first
 * start, found again after a restart). State persists in `<dir>/anvil-state.json`: anvil loads it
 * at start and writes it on exit and every few seconds, blocks, receipts and logs included.
 *
 * @example
 * import { startDevChain } from '@mintmark/chain'
 * const chain = await startDevChain({ dir: '.mintmark/chain' })
 * // chain.rpcUrl 'http://127.0.0.1:…', chain.contracts.anchor '0x…'
 * await chain.stop()
 */
export async function startDevChain(parameters: StartDevChainParameters): Promise<DevChain> {
  const bin = resolveAnvilBinary()
  const chainId = parameters.chainId ?? 31337
  await mkdir(parameters.dir, { recursive: true })
  const statePath = path.join(parameters.dir, 'anvil-state.json')

  // A port picked here can be taken before anvil binds it (parallel test files): pick again.
  let node: AnvilProcess | undefined
  for (let attempt = 1; !node; attempt++) {
    const port = parameters.port ?? (await findFreePort())
    try {
      if (parameters.port !== undefined) await assertPortFree(port)
      node = await spawnAnvil({ bin, port, chainId, statePath, readyTimeoutMs: parameters.readyTimeoutMs ?? 20_000 })
    } catch (error) {
      if (parameters.port !== undefined || attempt >= 3 || !(error instanceof MintmarkError && error.code === 'DEVCHAIN_PORT_IN_USE')) throw error
    }
  }

  const accounts = getDevAccounts()
  const [admin] = accounts
  const chain = defineChain({
    id: chainId,
    name: `Mintmark dev chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.rpcUrl] } },
  })
  try {
    const transport = http(node.rpcUrl)
    await ensureCreate2Deployer(createTestClient({ mode: 'anvil', chain, transport }))
    const wallet = createWalletClient({ account: privateKeyToAccount(admin.privateKey), chain, transport, pollingInterval: 50 })
    const contracts = await deployMintmarkContracts(wallet, { admin: admin.address })
    return { rpcUrl: node.rpcUrl, chainId, accounts, contracts, stop: node.stop }
  } catch (error) {
    await node.stop()
    const cause = toChainError(error, { functionName: 'deploy dev-chain contracts' })
    throw new MintmarkError('DEVCHAIN_START_FAILED', 'The dev chain started but deploying the contracts failed.', {
      cause,
      details: cause.shortMessage,
    })
  }
}

type AnvilProcess = { rpcUrl: string; stop(): Promise<void> }

async function spawnAnvil(options: { bin: string; port: number; chainId: number; statePath: string; readyTimeoutMs: number }): Promise<AnvilProcess> {
  const rpcUrl = `http://127.0.0.1:${options.port}`
  const args = [
    ['--host', '127.0.0.1'],
    ['--port', String(options.port)],
    ['--chain-id', String(options.chainId)],
    ['--mnemonic', devMnemonic],
    ['--state', options.statePath],
    ['--state-interval', String(stateIntervalSeconds)],
    // Keeps the state of past blocks in the dump, so calls at an older block work after a restart.
    ['--preserve-historical-states'],
  ].flat()
  const child = spawn(options.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  let spawnError: Error | undefined
  child.once('error', (error) => {
    spawnError = error
  })
  // Never leave an orphan node behind if the process exits without calling stop().
  const killOnExit = () => child.kill('SIGTERM')
  process.once('exit', killOnExit)

  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (!isRunning(child)) return exited
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs)
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + options.readyTimeoutMs
  for (;;) {
    if (spawnError || !isRunning(child)) {
      await stop()
      const tail = lastLines(output)
      if (/address already in use/i.test(output))
        throw new MintmarkError('DEVCHAIN_PORT_IN_USE', `Port ${options.port} on 127.0.0.1 is already in use.`, { details: tail })
      throw new MintmarkError('DEVCHAIN_START_FAILED', 'anvil exited during start-up.', {
        cause: spawnError,
        metaMessages: tail ? ['anvil output:', tail] : undefined,
      })
    }
    if (await answersChainId(rpcUrl, options.chainId)) return { rpcUrl, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new MintmarkError('DEVCHAIN_START_FAILED', `anvil did not answer on ${rpcUrl} within ${options.readyTimeoutMs} ms.`, {
        metaMessages: output ? ['anvil output:', lastLines(output)] : undefined,
      })
    }
    await sleep(50)
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

async function answersChainId(rpcUrl: string, chainId: number): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    })
    const body = (await response.json()) as { result?: unknown }
    return body.result === `0x${chainId.toString(16)}`
  } catch {
    return false
  }
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new MintmarkError('DEVCHAIN_PORT_IN_USE', `Port ${port} on 127.0.0.1 is already in use.`)
          : new MintmarkError('DEVCHAIN_START_FAILED', `Port ${port} on 127.0.0.1 cannot be used.`, { cause: error }),
      ),
    )
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()))
  })
}

function lastLines(text: string, count = 8): string {
  return text.trim().split('\n').slice(-count).join('\n')
}

// Shared by the @mintmark/chain tests: real anvil nodes in temporary directories, viem clients
// on them, and real RFC 6962 trees. Outside src/, so it is neither built nor run as a test.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createMemoryTree, leafHash, type MemoryTree } from '@mintmark/core'
import { type Chain, createPublicClient, createTestClient, createWalletClient, defineChain, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type DevChain, startDevChain } from '../src/index.js'
import { findFreePort } from '../src/testing.js'

export type TestChain = DevChain & {
  dir: string
  /** Stops the node and removes its directory. */
  cleanup(): Promise<void>
  chain: Chain
  publicClient: ReturnType<typeof makePublicClient>
  testClient: ReturnType<typeof makeTestClient>
  /** A wallet client for dev account `index` (0 = admin and log operator). */
  wallet(index: number): ReturnType<typeof makeWalletClient>
}

/** Starts a dev chain in a fresh temporary directory; call `cleanup()` in `afterAll`. */
export async function useDevChain(options: { chainId?: number } = {}): Promise<TestChain> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mintmark-chain-'))
  const node = await startDevChain({ dir, chainId: options.chainId })
  return withClients(node, dir)
}

export function withClients(node: DevChain, dir: string): TestChain {
  const chain = chainOf(node.chainId, node.rpcUrl)
  return {
    ...node,
    dir,
    async cleanup() {
      await node.stop()
      await rm(dir, { recursive: true, force: true })
    },
    chain,
    publicClient: makePublicClient(chain),
    testClient: makeTestClient(chain),
    wallet: (index) => makeWalletClient(chain, node.accounts[index]?.privateKey as Hex),
  }
}

export function chainOf(id: number, rpcUrl: string): Chain {
  return defineChain({ id, name: `test ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
}

export function makePublicClient(chain: Chain) {
  return createPublicClient({ chain, transport: http(), pollingInterval: 50 })
}

export function makeWalletClient(chain: Chain, privateKey: Hex) {
  return createWalletClient({ account: privateKeyToAccount(privateKey), chain, transport: http(), pollingInterval: 50 })
}

function makeTestClient(chain: Chain) {
  return createTestClient({ mode: 'anvil', chain, transport: http() })
}

/** A real RFC 6962 tree of `size` leaves whose data depends on `seed`. */
export function makeTree(seed: string, size: number): MemoryTree & { leaf(index: number): Uint8Array } {
  const tree = createMemoryTree()
  const leaf = (i: number) => leafHash(new TextEncoder().encode(`${seed}/${i}`))
  tree.append(Array.from({ length: size }, (_, i) => leaf(i)))
  return Object.assign(tree, { leaf })
}

/** Grows `tree` (made by {@link makeTree} with `seed`) to `size` leaves. */
export function growTree(tree: MemoryTree & { leaf(index: number): Uint8Array }, size: number): void {
  tree.append(Array.from({ length: size - tree.size }, (_, i) => tree.leaf(tree.size + i)))
}

/** A port on 127.0.0.1 nothing listens on (bound then released). */
export const closedPort = findFreePort

#!/usr/bin/env node
// Issue 3 benchmarks on a real anvil (the dev chain), printed as one JSON document:
//  - anchoring gas per asset at 1, 100, 10,000 and 1,000,000 assets per checkpoint (a real
//    checkpoint growth with a real RFC 6962 consistency proof), next to an OpenZeppelin ERC-721
//    mint and an EAS-style attestation deployed in the same run;
//  - `purchase` gas with 1, 5 and 20 payees;
//  - `verifyInclusion` gas at 2^20 and 2^30 leaves (a real proof against an anchored root);
//  - checkpoint-to-anchored latency (submit → receipt) through the anchorer.
// Gas is the receipt's gasUsed: what a sender pays, 21,000 base and calldata included.
// Usage: npm run build && (cd contracts && npx forge build) && node bench/chain-gas.mjs
import { randomBytes } from 'node:crypto'
import { promises as fsp, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  createAnchorer,
  createMemoryAnchorState,
  getDevAccounts,
  mintmarkAnchorAbi,
  mintmarkLicensesAbi,
  signOffer,
  startDevChain,
} from '@mintmark/chain'
import { createMemoryTree, leafHash, nodeHash } from '@mintmark/core'
import { bytesToHex, createPublicClient, createWalletClient, defineChain, http, keccak256, toHex, zeroAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

const root = path.resolve(import.meta.dirname, '..')
const artifact = (file, name) => JSON.parse(readFileSync(path.join(root, 'contracts/out', file, `${name}.json`), 'utf8'))
const hex = (b) => bytesToHex(b)
const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'mintmark-gas-'))
const chain = await startDevChain({ dir: work })
const result = { machine: { cpus: os.cpus().length, node: process.version }, chainId: chain.chainId }

try {
  const viemChain = defineChain({ id: chain.chainId, name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [chain.rpcUrl] } } })
  const [admin, buyer] = getDevAccounts()
  const pub = createPublicClient({ chain: viemChain, transport: http(chain.rpcUrl) })
  const wallet = (key) => createWalletClient({ chain: viemChain, transport: http(chain.rpcUrl), account: privateKeyToAccount(key) })
  const adminWallet = wallet(admin.privateKey)
  const gasOf = async (hash) => {
    const r = await pub.waitForTransactionReceipt({ hash })
    if (r.status !== 'success') throw new Error(`transaction ${hash} reverted`)
    return Number(r.gasUsed)
  }
  const deploy = async (a) => {
    const hash = await adminWallet.deployContract({ abi: a.abi, bytecode: a.bytecode.object, args: [] })
    return (await pub.waitForTransactionReceipt({ hash })).contractAddress
  }

  // --- references: ERC-721 mint and EAS-style attestation ---
  const nft = artifact('ReferenceNft.sol', 'ReferenceNft')
  const att = artifact('ReferenceAttestation.sol', 'ReferenceAttestation')
  const nftAddress = await deploy(nft)
  const attAddress = await deploy(att)
  // The cheapest realistic mint is the reference (the recipient already holds a token, the
  // attester already attested): warm both up once, then average five.
  const mints = []
  const attests = []
  for (let i = 0; i < 6; i++) {
    mints.push(await gasOf(await adminWallet.writeContract({ address: nftAddress, abi: nft.abi, functionName: 'mint', args: [buyer.address, BigInt(toHex(randomBytes(32)))] })))
    attests.push(
      await gasOf(
        await adminWallet.writeContract({ address: attAddress, abi: att.abi, functionName: 'attest', args: [keccak256(toHex('mintmark/asset')), buyer.address, toHex(randomBytes(64))] }),
      ),
    )
  }
  const mean = (xs) => Math.round(xs.slice(1).reduce((a, b) => a + b) / (xs.length - 1))
  const erc721Mint = mean(mints)
  const easAttestation = mean(attests)

  // --- anchoring: grow a real tree by N and anchor with a real consistency proof ---
  const tree = createMemoryTree()
  const grow = (n) => {
    const leaves = []
    for (let i = 0; i < n; i++) leaves.push(leafHash(randomBytes(48)))
    tree.append(leaves)
  }
  let size = 0
  const anchorAt = async (logId, newSize) => {
    const proof = size === 0 ? [] : tree.consistencyProof(size, newSize).map(hex)
    const gas = await gasOf(
      await adminWallet.writeContract({ address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'anchor', args: [logId, BigInt(newSize), hex(tree.root(newSize)), proof] }),
    )
    size = newSize
    return { gas, proofHashes: proof.length }
  }
  const logId = keccak256(toHex('bench/log'))
  await gasOf(await adminWallet.writeContract({ address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'createLog', args: [logId, admin.address] }))
  // An established log (1,000 leaves anchored) so every measured anchor carries a proof.
  grow(1000)
  const first = await anchorAt(logId, 1000)
  const anchoring = []
  for (const n of [1, 100, 10_000, 1_000_000]) {
    grow(n)
    const { gas, proofHashes } = await anchorAt(logId, size + n)
    anchoring.push({ assetsPerCheckpoint: n, gas, proofHashes, gasPerAsset: Number((gas / n).toFixed(3)), ratioToErc721Mint: Number((gas / n / erc721Mint).toExponential(3)) })
  }
  result.anchoring = { firstAnchorGas: first.gas, perCheckpoint: anchoring, goal: 'per asset <= 1/1000 of an ERC-721 mint at 10,000 per checkpoint' }
  result.references = { erc721MintGas: erc721Mint, easStyleAttestationGas: easAttestation }
  const at10k = anchoring.find((a) => a.assetsPerCheckpoint === 10_000)
  result.anchoring.goalMet = at10k.gasPerAsset <= erc721Mint / 1000

  // --- verifyInclusion at 2^20 and 2^30 leaves: a real path folded up to a root we anchor ---
  const inclusion = []
  for (const depth of [20, 30]) {
    const treeSize = 2 ** depth
    const index = Math.floor(Math.random() * treeSize)
    const leaf = leafHash(randomBytes(32))
    const path_ = Array.from({ length: depth }, () => new Uint8Array(randomBytes(32)))
    let h = leaf
    for (let level = 0; level < depth; level++) h = (index >> level) & 1 ? nodeHash(path_[level], h) : nodeHash(h, path_[level])
    const id = keccak256(toHex(`bench/inclusion/${depth}`))
    await gasOf(await adminWallet.writeContract({ address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'createLog', args: [id, admin.address] }))
    await gasOf(await adminWallet.writeContract({ address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'anchor', args: [id, BigInt(treeSize), hex(h), []] }))
    const args = [id, BigInt(treeSize), hex(leaf), BigInt(index), path_.map(hex)]
    const ok = await pub.readContract({ address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'verifyInclusion', args })
    if (!ok) throw new Error(`verifyInclusion refused a valid proof at 2^${depth}`)
    const gas = Number(await pub.estimateContractGas({ address: chain.contracts.anchor, abi: mintmarkAnchorAbi, functionName: 'verifyInclusion', args, account: buyer.address }))
    inclusion.push({ leaves: `2^${depth}`, proofHashes: depth, gasAsTransaction: gas })
  }
  result.verifyInclusion = inclusion

  // --- purchase with 1, 5 and 20 payees (ETH) ---
  const purchases = []
  const seller = privateKeyToAccount(admin.privateKey)
  for (const n of [1, 5, 20]) {
    const payees = Array.from({ length: n }, (_, i) => ({ account: privateKeyToAccount(toHex(randomBytes(32))).address, bps: Math.floor(10_000 / n) + (i < 10_000 % n ? 1 : 0) }))
    const offer = {
      assetId: keccak256(toHex(`asset/${n}`)),
      termsHash: keccak256(toHex('CC-BY-4.0')),
      seller: seller.address,
      currency: zeroAddress,
      price: 10_000_000_000_000_000n,
      maxSupply: 100,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 3600),
      nonce: BigInt(n),
      payees,
    }
    const { signature } = await signOffer(adminWallet, { address: chain.contracts.licenses, offer })
    const gas = await gasOf(
      await wallet(buyer.privateKey).writeContract({ address: chain.contracts.licenses, abi: mintmarkLicensesAbi, functionName: 'purchase', args: [offer, signature, 1], value: offer.price }),
    )
    purchases.push({ payees: n, gas })
  }
  result.purchase = purchases

  // --- checkpoint → anchored latency through the anchorer (anvil automines) ---
  const state = createMemoryAnchorState()
  const anchorer = createAnchorer({
    logId,
    targets: [{ name: 'dev', chainId: chain.chainId, rpcUrl: chain.rpcUrl, address: chain.contracts.anchor, account: privateKeyToAccount(admin.privateKey), confirmations: 1 }],
    state,
    // Receipts polled every 50 ms (default 1 s): the figure is the chain's, not the poll's.
    pollingIntervalMs: 50,
  })
  const latencies = []
  for (let i = 0; i < 20; i++) {
    grow(10)
    const treeSize = size + 10
    const t0 = performance.now()
    const from = size
    await anchorer.submit({ treeSize, rootHash: tree.root(treeSize), consistencyProofFrom: (old) => tree.consistencyProof(old, treeSize) })
    latencies.push(performance.now() - t0)
    size = treeSize
    if (from === size) throw new Error('anchorer did not advance')
  }
  latencies.sort((a, b) => a - b)
  result.checkpointToAnchoredMs = { runs: latencies.length, receiptPollMs: 50, p50: Number(latencies[10].toFixed(1)), p99: Number(latencies[19].toFixed(1)) }
} finally {
  await chain.stop()
  await fsp.rm(work, { recursive: true, force: true })
}
console.log(JSON.stringify(result, null, 2))

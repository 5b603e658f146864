// Generates vectors/merkle.json: RFC 6962 / RFC 9162 Merkle tree roots, inclusion proofs and
// consistency proofs, plus tampered proofs that must fail, for the TypeScript and Solidity tests.
//
// Independent of Mintmark's code: hashing is node:crypto SHA-256, and trees and proofs come from the
// plain recursive definitions of RFC 9162 §2.1 (MTH, PATH, SUBPROOF), written out again below. The
// 8-leaf tree is the published transparency-dev/merkle test tree; generation stops if its roots
// differ from the published ones.
//
// Regenerate: `MINTMARK_WRITE_VECTORS=1 npx vitest run vectors/merkle.test.ts` (Node 20), or
// `node vectors/generate-merkle.ts` on a Node with type stripping (22.18+). merkle.test.ts fails
// when the file and this generator disagree.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

type Hash = Buffer
export type InclusionVector = { index: number; size: number; leafHash: string; proof: string[]; root: string }
export type ConsistencyVector = { oldSize: number; newSize: number; oldRoot: string; newRoot: string; proof: string[] }
export type MerkleVectors = {
  description: string
  hashing: string
  emptyRoot: string
  trees: Array<{ name: string; leafData: string; leaves: string[]; leafHashes: string[]; roots: Array<{ size: number; root: string }> }>
  inclusion: InclusionVector[]
  consistency: ConsistencyVector[]
  tampered: {
    inclusion: Array<InclusionVector & { reason: string }>
    consistency: Array<ConsistencyVector & { reason: string }>
  }
}

export const merkleVectorsUrl = new URL('./merkle.json', import.meta.url)

/** transparency-dev/merkle testonly.LeafInputs() and RootHashes() (sizes 0..8). */
const publishedLeafInputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
/** transparency-dev/merkle testonly.RootHashes(), sizes 0..8: the published values, not ours. */
export const publishedRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]

const sha256 = (...parts: Uint8Array[]): Hash => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}
const leafHash = (data: Uint8Array) => sha256(Buffer.from([0]), data)
const nodeHash = (l: Hash, r: Hash) => sha256(Buffer.from([1]), l, r)
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const split = (n: number) => {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** A tree over fixed leaf hashes, with MTH of any range memoised. */
function referenceTree(leaves: Hash[]) {
  const memo = new Map<string, Hash>()
  const mth = (start: number, end: number): Hash => {
    if (end === start) return sha256()
    const key = `${start}:${end}`
    let h = memo.get(key)
    if (!h) {
      h = end - start === 1 ? (leaves[start] as Hash) : nodeHash(mth(start, start + split(end - start)), mth(start + split(end - start), end))
      memo.set(key, h)
    }
    return h
  }
  // RFC 9162 §2.1.3.1 PATH(m, D[n]).
  const path = (m: number, start: number, end: number): Hash[] => {
    if (end - start <= 1) return []
    const k = split(end - start)
    return m < k ? [...path(m, start, start + k), mth(start + k, end)] : [...path(m - k, start + k, end), mth(start, start + k)]
  }
  // RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b).
  const subproof = (m: number, start: number, end: number, b: boolean): Hash[] => {
    if (m === end - start) return b ? [] : [mth(start, end)]
    const k = split(end - start)
    return m <= k
      ? [...subproof(m, start, start + k, b), mth(start + k, end)]
      : [...subproof(m - k, start + k, end, false), mth(start, start + k)]
  }
  return {
    root: (n: number) => mth(0, n),
    inclusion: (index: number, size: number) => path(index, 0, size),
    consistency: (oldSize: number, newSize: number) => subproof(oldSize, 0, newSize, true),
  }
}

// RFC 9162 §2.1.3.2 and §2.1.4.2, used only to check that every tampered entry really fails.
function referenceVerifyInclusion(v: InclusionVector): boolean {
  const h = (s: string) => Buffer.from(s.slice(2), 'hex')
  if (v.index >= v.size || v.index < 0) return false
  const proof = v.proof.map(h)
  if (![h(v.leafHash), h(v.root), ...proof].every((x) => x.length === 32)) return false
  let fn = v.index
  let sn = v.size - 1
  let r: Hash = h(v.leafHash)
  for (const p of proof) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2
        sn = Math.floor(sn / 2)
      }
    } else r = nodeHash(r, p)
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && r.equals(h(v.root))
}

function referenceVerifyConsistency(v: ConsistencyVector): boolean {
  const h = (s: string) => Buffer.from(s.slice(2), 'hex')
  const proof = v.proof.map(h)
  if (v.oldSize < 1 || v.oldSize > v.newSize || ![h(v.oldRoot), h(v.newRoot), ...proof].every((x) => x.length === 32)) return false
  if (v.oldSize === v.newSize) return proof.length === 0 && h(v.oldRoot).equals(h(v.newRoot))
  if (proof.length === 0) return false
  const isPow2 = split(v.oldSize * 2) === v.oldSize
  const path = isPow2 ? [h(v.oldRoot), ...proof] : proof
  let fn = v.oldSize - 1
  let sn = v.newSize - 1
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2
    sn = Math.floor(sn / 2)
  }
  let fr = path[0] as Hash
  let sr = fr
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2
        sn = Math.floor(sn / 2)
      }
    } else sr = nodeHash(sr, c)
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && fr.equals(h(v.oldRoot)) && sr.equals(h(v.newRoot))
}

const flip = (s: string, byte = 0, bit = 0) => {
  const b = Buffer.from(s.slice(2), 'hex')
  b[byte] = (b[byte] as number) ^ (1 << bit)
  return hex(b)
}

/** Builds the whole vector document (deterministic). */
export function generateMerkleVectors(): MerkleVectors {
  const small = publishedLeafInputs.map((h) => Buffer.from(h, 'hex'))
  const large = Array.from({ length: 1000 }, (_, i) => sha256(Buffer.from(String(i), 'ascii')))
  const trees = [
    { name: 'transparency-dev-8', leafData: 'transparency-dev/merkle testonly.LeafInputs()', data: small, sizes: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
    {
      name: 'sha256-decimal-1000',
      leafData: 'leaf i = SHA-256 of the ASCII decimal string of i, for i = 0..999',
      data: large,
      sizes: [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 500, 511, 512, 513, 999, 1000],
    },
  ]

  const out: MerkleVectors = {
    description:
      'RFC 6962 Merkle tree vectors (RFC 9162 §2.1 proofs). Hashes are 0x-prefixed hex. inclusion: {index, size, leafHash, proof (leaf to root), root}; consistency: {oldSize, newSize, oldRoot, newRoot, proof}; tampered entries must fail verification for the stated reason. Generated by vectors/generate-merkle.ts with node:crypto and the recursive RFC definitions.',
    hashing: 'leaf = SHA-256(0x00 || data); node = SHA-256(0x01 || left || right); empty tree = SHA-256("")',
    emptyRoot: hex(sha256()),
    trees: [],
    inclusion: [],
    consistency: [],
    tampered: { inclusion: [], consistency: [] },
  }

  for (const t of trees) {
    const leafHashes = t.data.map(leafHash)
    const ref = referenceTree(leafHashes)
    const roots = t.sizes.map((size) => ({ size, root: hex(ref.root(size)) }))
    if (t.name === 'transparency-dev-8' && roots.some((r) => r.root !== `0x${publishedRoots[r.size]}`))
      throw new Error('reference tree disagrees with the published transparency-dev roots')
    out.trees.push({ name: t.name, leafData: t.leafData, leaves: t.data.map(hex), leafHashes: leafHashes.map(hex), roots })

    const firstInclusion = out.inclusion.length
    const firstConsistency = out.consistency.length
    const sizes = t.sizes.filter((s) => s > 0)
    for (const size of sizes) {
      const indices = t.name === 'transparency-dev-8' ? Array.from({ length: size }, (_, i) => i) : [...new Set([0, 1, Math.floor(size / 2), size - 2, size - 1])].filter((i) => i >= 0 && i < size)
      for (const index of indices)
        out.inclusion.push({ index, size, leafHash: hex(leafHashes[index] as Hash), proof: ref.inclusion(index, size).map(hex), root: hex(ref.root(size)) })
      const olds = t.name === 'transparency-dev-8' ? Array.from({ length: size }, (_, i) => i + 1) : [...new Set([1, split(size), Math.floor(size / 2), size - 1, size])].filter((m) => m >= 1 && m <= size)
      for (const oldSize of olds.sort((a, b) => a - b))
        out.consistency.push({
          oldSize,
          newSize: size,
          oldRoot: hex(ref.root(oldSize)),
          newRoot: hex(ref.root(size)),
          proof: ref.consistency(oldSize, size).map(hex),
        })
    }

    // Tampered proofs: a few families, each failing for one stated reason.
    const rootOf = (n: number) => hex(ref.root(n))
    const tamperSizes = t.name === 'transparency-dev-8' ? [7] : [513, 1000]
    for (const v of out.inclusion.slice(firstInclusion).filter((x) => x.proof.length >= 2 && tamperSizes.includes(x.size))) {
      const add = (reason: string, change: Partial<InclusionVector>) => out.tampered.inclusion.push({ ...v, ...change, reason })
      add('leaf index + 1', { index: v.index + 1 })
      add('tree size * 2', { size: v.size * 2 })
      add('tree size - 1, with the root of that size', { size: v.size - 1, root: rootOf(v.size - 1) })
      add('bit 0 of proof[0] flipped', { proof: [flip(v.proof[0] as string), ...v.proof.slice(1)] })
      add('bit 7 of the last byte of the last proof element flipped', { proof: [...v.proof.slice(0, -1), flip(v.proof[v.proof.length - 1] as string, 31, 7)] })
      add('leaf hash bit flipped', { leafHash: flip(v.leafHash, 5, 3) })
      add('root bit flipped', { root: flip(v.root, 17, 1) })
      add('empty-tree root', { root: out.emptyRoot })
      add('proof truncated', { proof: v.proof.slice(0, -1) })
      add('extra trailing element (the root)', { proof: [...v.proof, v.root] })
      add('first two elements swapped', { proof: [v.proof[1] as string, v.proof[0] as string, ...v.proof.slice(2)] })
      add('empty proof', { proof: [] })
    }
    for (const v of out.consistency.slice(firstConsistency).filter((x) => x.proof.length >= 2 && tamperSizes.includes(x.newSize))) {
      const add = (reason: string, change: Partial<ConsistencyVector>) => out.tampered.consistency.push({ ...v, ...change, reason })
      add('roots swapped', { oldRoot: v.newRoot, newRoot: v.oldRoot })
      add('old size + 1', { oldSize: v.oldSize + 1 })
      if (v.newSize < t.data.length) add('new size + 1, with the root of that size', { newSize: v.newSize + 1, newRoot: rootOf(v.newSize + 1) })
      add('new size * 2', { newSize: v.newSize * 2 })
      add('bit 0 of proof[0] flipped', { proof: [flip(v.proof[0] as string), ...v.proof.slice(1)] })
      add('old root bit flipped', { oldRoot: flip(v.oldRoot, 9, 4) })
      add('new root bit flipped', { newRoot: flip(v.newRoot, 30, 6) })
      add('proof truncated', { proof: v.proof.slice(0, -1) })
      add('extra leading element (the old root)', { proof: [v.oldRoot, ...v.proof] })
      add('empty proof', { proof: [] })
    }
  }

  for (const v of out.inclusion) if (!referenceVerifyInclusion(v)) throw new Error(`reference rejects inclusion ${v.index}/${v.size}`)
  for (const v of out.consistency) if (!referenceVerifyConsistency(v)) throw new Error(`reference rejects consistency ${v.oldSize}/${v.newSize}`)
  for (const v of out.tampered.inclusion) if (referenceVerifyInclusion(v)) throw new Error(`tampered inclusion verifies: ${v.reason}`)
  for (const v of out.tampered.consistency) if (referenceVerifyConsistency(v)) throw new Error(`tampered consistency verifies: ${v.reason}`)
  return out
}

/** The exact file text: pretty JSON with a final newline. */
export function formatMerkleVectors(v: MerkleVectors): string {
  return `${JSON.stringify(v, null, 1)}\n`
}

export function writeMerkleVectors(): void {
  writeFileSync(merkleVectorsUrl, formatMerkleVectors(generateMerkleVectors()))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeMerkleVectors()

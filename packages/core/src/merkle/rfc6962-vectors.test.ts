// A1: the published RFC 6962 test vectors of transparency-dev/merkle (testonly/constants.go,
// testonly/reference_test.go, proof/verify_test.go), carried over as data. The expected values
// below come from those files, not from this code.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, test } from 'vitest'
import {
  appendLeaves,
  compactRangeRoot,
  consistencyProofPlan,
  createMemoryTree,
  emptyCompactRange,
  emptyRoot,
  inclusionProofPlan,
  leafHash,
  rootFromLeafHashes,
  rootPlan,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './index.js'

const leafInputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (h) => hexToBytes(h),
)

/** RootHashes(): index = tree size. */
const publishedRoots = [
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

/** NodeHashes(): [level][index] for every perfect subtree of the 8-leaf tree. */
const publishedNodes = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
]

/** CompactTrees(): the compact range peaks (as [level, index] into NodeHashes) for sizes 0..8. */
const publishedCompactRanges: Array<Array<[number, number]>> = [
  [],
  [[0, 0]],
  [[1, 0]],
  [[1, 0], [0, 2]],
  [[2, 0]],
  [[2, 0], [0, 4]],
  [[2, 0], [1, 2]],
  [[2, 0], [1, 2], [0, 6]],
  [[3, 0]],
]

/** TestRefInclusionProof and the inclusionProofs of verify_test.go (whose leaf numbers are 1-based). */
const publishedInclusion: Array<{ index: number; size: number; proof: string[] }> = [
  { index: 0, size: 1, proof: [] },
  { index: 0, size: 2, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7'] },
  { index: 1, size: 2, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'] },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
]

/** TestRefConsistencyProof and the consistencyProofs of verify_test.go. */
const publishedConsistency: Array<{ oldSize: number; newSize: number; proof: string[] }> = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
]

const hex = (b: Uint8Array) => bytesToHex(b)

function buildTree() {
  const tree = createMemoryTree()
  tree.append(leafInputs.map(leafHash))
  return tree
}

describe('A1: RFC 6962 vectors (transparency-dev/merkle)', () => {
  test('empty tree hash is SHA-256 of nothing', () => {
    expect(hex(emptyRoot)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hex(rootFromLeafHashes([]))).toBe(publishedRoots[0])
    expect(hex(compactRangeRoot(emptyCompactRange))).toBe(publishedRoots[0])
    const plan = rootPlan(0)
    expect(plan.nodes).toEqual([])
    expect(hex(plan.assemble([]))).toBe(publishedRoots[0])
  })

  test('leaf hashes match NodeHashes()[0]', () => {
    expect(leafInputs.map((d) => hex(leafHash(d)))).toEqual(publishedNodes[0])
  })

  test('leaf hash matches golang.org/x/mod/sumdb/tlog RecordHash("hello world")', () => {
    // From tlog's TestFormatTree golden checkpoint body (base64 of the record hash).
    expect(Buffer.from(leafHash(new TextEncoder().encode('hello world'))).toString('base64')).toBe(
      'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=',
    )
  })

  test('roots for every size 0..8, by the reference MTH, the compact range and the root plan', () => {
    const tree = buildTree()
    const hashes = leafInputs.map(leafHash)
    let range = emptyCompactRange
    for (let size = 0; size <= 8; size++) {
      expect(hex(rootFromLeafHashes(hashes.slice(0, size)))).toBe(publishedRoots[size])
      expect(hex(tree.root(size))).toBe(publishedRoots[size])
      expect(hex(compactRangeRoot(range))).toBe(publishedRoots[size])
      // Peaks equal CompactTrees().
      expect(range.peaks.map(hex)).toEqual(publishedCompactRanges[size]?.map(([l, i]) => publishedNodes[l]?.[i]))
      if (size < 8) range = appendLeaves(range, [hashes[size] as Uint8Array]).range
    }
  })

  test('the store holds every perfect node of NodeHashes() after appending the 8 leaves', () => {
    const tree = buildTree()
    publishedNodes.forEach((level, l) => {
      expect(tree.getNodes(level.map((_, index) => ({ level: l, index }))).map(hex)).toEqual(level)
    })
    expect(tree.nodeCount).toBe(15)
  })

  test('appendLeaves reports each newly completed node exactly once', () => {
    const hashes = leafInputs.map(leafHash)
    const seen: string[] = []
    let range = emptyCompactRange
    for (const batch of [[0, 3], [3, 4], [4, 8]] as const) {
      const out = appendLeaves(range, hashes.slice(batch[0], batch[1]))
      range = out.range
      for (const n of out.nodes) {
        expect(hex(n.hash)).toBe(publishedNodes[n.level]?.[n.index])
        seen.push(`${n.level}/${n.index}`)
      }
    }
    expect(new Set(seen).size).toBe(15)
    expect(seen.length).toBe(15)
  })

  test.each(publishedInclusion)('inclusion proof index $index size $size', ({ index, size, proof }) => {
    const tree = buildTree()
    const plan = inclusionProofPlan(index, size)
    const got = plan.assemble(tree.getNodes(plan.nodes))
    expect(got.map(hex)).toEqual(proof)
    expect(
      verifyInclusionProof({
        leafHash: leafHash(leafInputs[index] as Uint8Array),
        leafIndex: index,
        treeSize: size,
        proof: proof.map(hexToBytes),
        root: hexToBytes(publishedRoots[size] as string),
      }),
    ).toBe(true)
  })

  test.each(publishedConsistency)('consistency proof $oldSize -> $newSize', ({ oldSize, newSize, proof }) => {
    const tree = buildTree()
    const plan = consistencyProofPlan(oldSize, newSize)
    expect(plan.assemble(tree.getNodes(plan.nodes)).map(hex)).toEqual(proof)
    expect(
      verifyConsistencyProof({
        oldSize,
        newSize,
        oldRoot: hexToBytes(publishedRoots[oldSize] as string),
        newRoot: hexToBytes(publishedRoots[newSize] as string),
        proof: proof.map(hexToBytes),
      }),
    ).toBe(true)
  })

  test('the fixed probes of transparency-dev TestVerifyConsistency', () => {
    const e = emptyRoot
    const a = leafHash(new Uint8Array([1]))
    const b = leafHash(new Uint8Array([2]))
    const v = (oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: Uint8Array[]) =>
      verifyConsistencyProof({ oldSize, newSize, oldRoot, newRoot, proof })
    expect(v(0, 0, a, b, [])).toBe(false) // sizes equal, roots differ
    expect(v(1, 1, a, b, [])).toBe(false)
    expect(v(0, 0, a, a, [])).toBe(true)
    expect(v(1, 1, b, b, [])).toBe(true)
    expect(v(0, 1, e, b, [])).toBe(true) // everything extends the empty tree
    expect(v(0, 1, a, b, [])).toBe(false) // ours: the old root of size 0 must be the empty hash
    expect(v(1, 0, a, b, [])).toBe(false) // time travel
    expect(v(2, 1, a, b, [])).toBe(false)
    expect(v(1, 2, a, b, [])).toBe(false) // empty proof
    expect(v(0, 0, e, e, [e])).toBe(false) // roots match but the proof is not empty
    expect(v(0, 1, e, e, [e])).toBe(false)
    expect(v(1, 1, e, e, [e])).toBe(false)
  })

  test('the fixed probes of transparency-dev TestVerifyInclusion and TestVerifyInclusionSingleEntry', () => {
    const some = hexToBytes('abacaba000000000000000000000000000000000000000000060061e00123456')
    for (const [index, size] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusionProof({ leafHash: some, leafIndex: index, treeSize: size, proof: [], root: new Uint8Array() })).toBe(false)
      expect(verifyInclusionProof({ leafHash: new Uint8Array(), leafIndex: index, treeSize: size, proof: [], root: emptyRoot })).toBe(false)
      if (size !== 1 || index !== 0)
        expect(verifyInclusionProof({ leafHash: some, leafIndex: index, treeSize: size, proof: [], root: emptyRoot })).toBe(false)
    }
    const h = leafHash(new TextEncoder().encode('data'))
    expect(verifyInclusionProof({ leafHash: h, leafIndex: 0, treeSize: 1, proof: [], root: h })).toBe(true)
    expect(verifyInclusionProof({ leafHash: new Uint8Array(), leafIndex: 0, treeSize: 1, proof: [], root: h })).toBe(false)
    expect(verifyInclusionProof({ leafHash: h, leafIndex: 0, treeSize: 1, proof: [], root: new Uint8Array() })).toBe(false)
  })
})

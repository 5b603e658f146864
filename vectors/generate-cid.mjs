// Regenerates vectors/cid.json. Plain Node ESM: `node vectors/generate-cid.mjs`.
// Expected CIDs come from the reference implementations, never from Mintmark's own code:
//  - "ipfs-unixfs-importer": computed here by ipfs-unixfs-importer (fixedSize chunker, balanced
//    layout, rawLeaves, cidVersion 1, reduceSingleLeafToSelf) from the described input;
//  - "kubo": copied from kubo's test/cli/cid_profiles_test.go / add_test.go (what `ipfs add`
//    prints) and cross-checked here with ipfs-unixfs-importer.
// sha256 values are computed here with node:crypto.
import { createCipheriv, createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { importByteStream } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

const profiles = {
  'unixfs-v1-2025': { chunkSize: 1_048_576, maxLinks: 1024 },
  'kubo-v1': { chunkSize: 262_144, maxLinks: 174 },
  'test-1k-chunks-1024-links': { chunkSize: 1024, maxLinks: 1024 },
  'test-7-byte-chunks-3-links': { chunkSize: 7, maxLinks: 3 },
}

const piece = 4 * 1_048_576
const period = new Uint8Array(piece + 251)
for (let i = 0; i < period.length; i++) period[i] = i % 251

/** Yields the described input in pieces of at most 4 MiB. */
function* inputStream(input) {
  if (input.type === 'utf8') {
    yield new TextEncoder().encode(input.text)
    return
  }
  if (input.type === 'pattern') {
    for (let off = 0; off < input.size; off += piece) {
      const n = Math.min(piece, input.size - off)
      yield period.subarray(off % 251, (off % 251) + n)
    }
    return
  }
  if (input.type === 'kubo-deterministic') {
    const key = createHash('sha256').update(input.seed, 'utf8').digest()
    const cipher = createCipheriv('chacha20', key, Buffer.alloc(16))
    const zeros = Buffer.alloc(piece)
    for (let off = 0; off < input.size; off += piece) yield cipher.update(zeros.subarray(0, Math.min(piece, input.size - off)))
    return
  }
  throw new Error(`unknown input ${input.type}`)
}

const discard = { put: async (cid) => cid }

async function reference(input, profile) {
  const { chunkSize, maxLinks } = profiles[profile]
  const result = await importByteStream(inputStream(input), discard, {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize }),
    layout: balanced({ maxChildrenPerNode: maxLinks }),
  })
  return result.cid.toString()
}

function sha256(input) {
  const h = createHash('sha256')
  for (const b of inputStream(input)) h.update(b)
  return h.digest('hex')
}

const mib = 1_048_576
const patternCases = {
  'kubo-v1': [0, 1, 250, 251, 262_143, 262_144, 262_145, 4 * 262_144, 5 * 262_144 + 123, 174 * 262_144, 174 * 262_144 + 1],
  'unixfs-v1-2025': [0, 1, mib - 1, mib, mib + 1, 5 * mib + 123],
  'test-1k-chunks-1024-links': [1024 * 1024, 1024 * 1024 + 1, 2 * 1024 * 1024 + 5],
  'test-7-byte-chunks-3-links': [7 * 27, 7 * 27 + 1, 7 * 81, 7 * 81 + 1],
}

// Published by kubo (test/cli/add_test.go shortStringCidV1; test/cli/cid_profiles_test.go
// unixfsV12025.*CID, also IPIP-0499's fixture table). The 1025 MiB value is from the earlier
// revision of cid_profiles_test.go and IPIP-0499 ("File over max links: 1025 MiB file").
const kubo = [
  { profile: 'unixfs-v1-2025', input: { type: 'utf8', text: 'hello world' }, cid: 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e', what: 'SmallFileCID' },
  { profile: 'kubo-v1', input: { type: 'utf8', text: 'hello world' }, cid: 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e', what: 'add_test.go shortStringCidV1 (ipfs add --cid-version 1)' },
  { profile: 'unixfs-v1-2025', input: { type: 'kubo-deterministic', seed: 'chunk-v1-seed', size: mib }, cid: 'bafkreiacndfy443ter6qr2tmbbdhadvxxheowwf75s6zehscklu6ezxmta', what: 'FileAtChunkSizeCID' },
  { profile: 'unixfs-v1-2025', input: { type: 'kubo-deterministic', seed: 'chunk-v1-seed', size: mib + 1 }, cid: 'bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64', what: 'FileOverChunkSizeCID' },
  { profile: 'unixfs-v1-2025', input: { type: 'kubo-deterministic', seed: 'v1-2025-seed', size: 1024 * mib }, cid: 'bafybeihmf37wcuvtx4hpu7he5zl5qaf2ineo2lqlfrapokkm5zzw7zyhvm', what: 'FileAtMaxLinksCID' },
  { profile: 'unixfs-v1-2025', input: { type: 'kubo-deterministic', seed: 'v1-2025-seed', size: 1024 * mib + 1 }, cid: 'bafybeibdsi225ugbkmpbdohnxioyab6jsqrmkts3twhpvfnzp77xtzpyhe', what: 'FileOverMaxLinksCID' },
  { profile: 'unixfs-v1-2025', input: { type: 'kubo-deterministic', seed: 'v1-2025-seed', size: 1025 * mib }, cid: 'bafybeihmzokxxjqwxjcryerhp5ezpcog2wcawfryb2xm64xiakgm4a5jue', what: 'FileOverMaxLinksCID (1025 MiB revision)' },
]

const vectors = []
for (const [profile, sizes] of Object.entries(patternCases)) {
  for (const size of sizes) {
    const input = { type: 'pattern', size }
    vectors.push({ profile, input, cid: await reference(input, profile), sha256: sha256(input), source: 'ipfs-unixfs-importer 17.1.1' })
  }
}
for (const v of kubo) {
  const check = await reference(v.input, v.profile)
  if (check !== v.cid) throw new Error(`ipfs-unixfs-importer disagrees with kubo for ${v.what}: ${check}`)
  vectors.push({ profile: v.profile, input: v.input, cid: v.cid, sha256: sha256(v.input), source: `kubo test/cli: ${v.what}` })
}

const doc = {
  description: 'IPFS CIDv1 (sha2-256, raw leaves, fixed-size chunks, balanced layout) of deterministic inputs. Regenerate with `node vectors/generate-cid.mjs`; see vectors/README.md.',
  profiles,
  inputs: {
    utf8: 'the UTF-8 bytes of `text`',
    pattern: '`size` bytes, byte i = i % 251',
    'kubo-deterministic': "`size` bytes of the ChaCha20 (RFC 8439) keystream with key = sha256(utf8(seed)), a 12-byte zero nonce and block counter 0 (kubo test/cli/testutils/random_deterministic.go)",
  },
  vectors,
}
writeFileSync(new URL('./cid.json', import.meta.url), `${JSON.stringify(doc, null, 2)}\n`)
console.log(`wrote ${vectors.length} vectors`)

import type { Check, Manifest, ProvenanceBundle } from '@mintmark/core'

// Response shapes of the HTTP API (apps/server/src/schemas.ts), as far as the explorer reads them.
// Everything user-supplied in them (titles, prompts, names) is rendered as text, never as markup.

export type { Check, Manifest, ProvenanceBundle }

export type LineageEdge = { cid: string; relation: string; entryIndex: number }

/** Imported C2PA evidence (packages/app/src/c2pa.ts), kept loose: it is shown, not relied on. */
export type C2paEvidence = {
  present: boolean
  valid?: boolean
  validationStatus?: string[]
  claimGenerator?: string
  title?: string
  digitalSourceType?: string
  actions?: { action: string; digitalSourceType?: string; softwareAgent?: string | { name?: string; version?: string } }[]
  ingredients?: { title?: string; relationship?: string }[]
  signer?: { subject?: string; issuer?: string; trusted?: boolean; time?: string; alg?: string }
}

export type AssetRecord = {
  asset: { cid: string; sha256: string; size: number; mediaType: string }
  statement?: Manifest
  claims: { logIndex: number; leafHash: string; creator: string; createdAt: string; statement: Manifest }[]
  lineage: { parents: LineageEdge[]; children: LineageEdge[] }
  fingerprints?: { algorithm: string; hash: string }[]
  c2pa?: C2paEvidence
  log: { origin: string; treeSize: number; checkpointSize: number | null }
  contentStored: boolean
}

export type LineageNode = { cid: string; relation: string; depth: number; via: string; entryIndex: number }
export type Lineage = { cid: string; depth: number; ancestors: LineageNode[]; descendants: LineageNode[]; truncated: boolean }

export type Checkpoint = { origin: string; size: number; rootHash: string; note: string; createdAt: string; logKey: string }
export type ConsistencyProof = { oldSize: number; newSize: number; oldRoot: string; newRoot: string; hashes: string[] }

export type SearchHit = {
  cid: string
  logIndex: number
  mediaType: string
  title: string | null
  creator: string
  createdAt: string
  digitalSourceType: string
  sourceGroup: string
  model: string | null
  license: string
  width: number | null
  height: number | null
  price: number | null
  currency: string | null
  chainId: number | null
  royaltyBps: number | null
  hasAnchor: boolean | null
}
export type SearchResult = { items: SearchHit[]; nextCursor: string | null }

export type VerifyCandidate = {
  cid: string
  logIndex: number
  evidence: 'c2pa' | 'watermark' | 'fingerprint'
  distance?: number
  variant?: string
  bitAccuracy?: number
  confidence?: number
  detail: string
  record: { verdict: 'verified' | 'failed' | 'unknown'; checks: Check[] }
}
export type ServerVerifyReport = { verdict: 'verified' | 'failed' | 'unknown'; checks: Check[]; candidates?: VerifyCandidate[]; c2pa?: C2paEvidence }

export type Payee = { account: string; bps: number }
/** packages/app/src/offers.ts offerDocumentSchema. */
export type OfferDocument = {
  type: 'mintmark.offer'
  version: 1
  assetCid: string
  chainId: number
  contract: string
  offerHash: string
  signature: string
  offer: {
    assetId: string
    termsHash: string
    seller: string
    currency: string
    price: string
    maxSupply: number
    expiry: string
    nonce: string
    payees: Payee[]
  }
  derivativeShares: Payee[]
  requiredShares: Payee[]
}

export type ChainInfo = {
  name: string
  chainId: number
  dev: boolean
  /** Only for the local dev chain: the page may talk to it directly. */
  rpcUrl: string | null
  confirmations?: number
  /** The last block the server's chain indexer has read (licences lists are as fresh as this). */
  indexedTo?: number | null
  contracts: { anchor: string; licenses: string; [name: string]: string }
}

/** Royalties the licences contracts hold for one account, per chain and currency. */
export type Royalties = {
  account: string
  chains: { chain: string; chainId: number; owed: { currency: string; amount: string }[] }[]
}

export type LicenceItem = {
  chainId: number
  offerHash: string
  tokenId: string
  quantity: number
  amount: string
  currency: string
  txHash: string
  blockNumber: number
  assetCid: string | null
  buyer?: string
  seller?: string
}

export type CreatorStatements = {
  creator: string
  items: { logIndex: number; cid: string; createdAt: string; firstClaim: boolean; statement: Manifest }[]
  nextCursor: string | null
}

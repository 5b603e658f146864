import { apiFetch, enc, getJson, query } from './client.js'
import type {
  AssetRecord,
  ChainInfo,
  Checkpoint,
  ConsistencyProof,
  CreatorStatements,
  LicenceItem,
  Lineage,
  OfferDocument,
  Royalties,
  SearchResult,
  ServerVerifyReport,
} from './types.js'

// One function per API route the explorer uses (apps/server/src/routes.ts).

export const getAsset = (cid: string, signal?: AbortSignal) => getJson<AssetRecord>(`/v1/assets/${enc(cid)}`, signal)

/** The provenance bundle as JSON (verified in the browser, never trusted as served). */
export const getBundle = (cid: string, signal?: AbortSignal) => getJson<unknown>(`/v1/assets/${enc(cid)}/bundle`, signal)

export const getLineage = (cid: string, depth = 3, signal?: AbortSignal) => getJson<Lineage>(`/v1/assets/${enc(cid)}/lineage${query({ depth })}`, signal)

export const contentUrl = (cid: string) => `/v1/assets/${enc(cid)}/content`
export const bundleUrl = (cid: string) => `/v1/assets/${enc(cid)}/bundle`

/** The signed offer documents of an asset (each as its seller signed it). */
export const getOffers = async (cid: string, signal?: AbortSignal) =>
  (await getJson<{ offers: { document: OfferDocument; expired: boolean }[] }>(`/v1/assets/${enc(cid)}/offers`, signal)).offers.map((o) => o.document)

export const getLatestCheckpoint = (signal?: AbortSignal) => getJson<Checkpoint>('/v1/checkpoints/latest', signal)

export const getConsistencyProof = (from: number, to?: number, signal?: AbortSignal) =>
  getJson<ConsistencyProof>(`/v1/log/proofs/consistency${query({ from, to })}`, signal)

export const search = (params: URLSearchParams, signal?: AbortSignal) => getJson<SearchResult>(`/v1/search?${params.toString()}`, signal)

export const getChains = async (signal?: AbortSignal) => (await getJson<{ chains: ChainInfo[] }>('/v1/chains', signal)).chains

let chainsCache: { at: number; chains: Promise<ChainInfo[]> } | undefined
/**
 * The chains, fetched once a minute at most and only when a page needs them (anchors or offers
 * to show): on a home without chains the server starts its dev chain to answer.
 */
export function chainsCached(): Promise<ChainInfo[]> {
  if (!chainsCache || Date.now() - chainsCache.at > 60_000) {
    const chains = getChains()
    chainsCache = { at: Date.now(), chains }
    chains.catch(() => {
      chainsCache = undefined
    })
  }
  return chainsCache.chains
}

export const getRoyalties = (address: string, signal?: AbortSignal) => getJson<Royalties>(`/v1/accounts/${enc(address)}/royalties`, signal)
export const getLicences = async (address: string, signal?: AbortSignal) =>
  (await getJson<{ licenses: LicenceItem[] }>(`/v1/accounts/${enc(address)}/licenses`, signal)).licenses
export const getSales = async (address: string, signal?: AbortSignal) =>
  (await getJson<{ licenses: LicenceItem[] }>(`/v1/accounts/${enc(address)}/sales`, signal)).licenses

export const getCreatorStatements = (did: string, cursor?: string | null, signal?: AbortSignal) =>
  getJson<CreatorStatements>(`/v1/creators/${enc(did)}/statements${query({ limit: 100, cursor })}`, signal)

/**
 * Asks the server to look for records a file may come from (C2PA reference, watermark, PDQ):
 * the one step the browser cannot do itself. Only used when the file has no exact record.
 */
export async function findCandidates(file: Blob, signal?: AbortSignal): Promise<ServerVerifyReport> {
  const response = await apiFetch('/v1/verify', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' }, ...(signal ? { signal } : {}) })
  return (await response.json()) as ServerVerifyReport
}

import { base32 } from 'multiformats/bases/base32'
import type { CID } from 'multiformats/cid'
import type { ContentId } from './content-id.js'
import { parseContentId } from './parse-content-id.js'

/**
 * The {@link ContentId} of a multiformats `CID` object (for instance from the UnixFS importer).
 * @throws MintmarkError `CID_INVALID` when the CID is not a CIDv1 sha2-256 raw/dag-pb CID.
 */
export function toContentId(cid: CID): ContentId {
  return parseContentId(cid.version === 1 ? cid.toString(base32) : cid.toString())
}

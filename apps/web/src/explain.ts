// Words for non-experts: what each verification check means, and what an error code means for
// the person looking at the page. The technical detail stays available next to these.

type CheckWords = { title: string; pass: string; fail: string; skip: string }

const checks: Record<string, CheckWords> = {
  BUNDLE_FORMAT: {
    title: 'The proof is readable',
    pass: 'The provenance record is complete and in a format this page understands.',
    fail: 'The provenance record is damaged or in an unknown format, so nothing else could be checked.',
    skip: 'The provenance record was not read.',
  },
  CONTENT_ADDRESS: {
    title: 'This is the registered file',
    pass: 'Your file’s fingerprint (its content address) is exactly the one the record is about: not one byte differs.',
    fail: 'Your file is not the registered file: its bytes differ, so it was changed (edited, re-saved or tampered with) or it is another file.',
    skip: 'No file was compared with the record.',
  },
  FILE_HASHED: {
    title: 'Your file was fingerprinted',
    pass: 'Its content address was computed in this browser, the same way the command-line tool computes it.',
    fail: 'Your file could not be fingerprinted.',
    skip: 'Your file was not fingerprinted.',
  },
  STATEMENT_SCHEMA: {
    title: 'The record is well-formed',
    pass: 'The record follows the published format.',
    fail: 'The record does not follow the published format.',
    skip: 'The record’s format was not checked.',
  },
  STATEMENT_SIGNATURE: {
    title: 'Signed by its creator',
    pass: 'The creator’s digital signature matches the record: nobody changed it after it was signed.',
    fail: 'The signature does not match: the record was changed after signing, or was signed by someone else.',
    skip: 'The signature was not checked.',
  },
  CHECKPOINT_SIGNATURE: {
    title: 'Vouched for by the log',
    pass: 'The public log signed the state (checkpoint) this record is proven against.',
    fail: 'The log’s signature on its checkpoint does not verify.',
    skip: 'The log’s checkpoint was not checked.',
  },
  LOG_INCLUSION: {
    title: 'Recorded in the public log',
    pass: 'A mathematical proof shows the record is part of the log: it cannot be removed or altered without everyone noticing.',
    fail: 'The proof that the record is in the log does not hold.',
    skip: 'Inclusion in the log was not checked.',
  },
  LOG_KEY_TRUSTED: {
    title: 'The log is this site’s log',
    pass: 'The log that vouches for the record is the one this server runs.',
    fail: 'The record was vouched for by a different log than the one trusted here.',
    skip: 'The log’s identity was not compared with a trusted one.',
  },
  LOG_CONSISTENT: {
    title: 'The log was not rewritten since',
    pass: 'The log’s latest state still contains the state this record was proven against: history was only added to, never changed.',
    fail: 'The log’s latest state does not extend the one this record was proven against: the log’s history was rewritten.',
    skip: 'The log’s later history was not compared.',
  },
  CHAIN_ANCHOR: {
    title: 'Anchored on a blockchain',
    pass: 'The log’s state is written on a public blockchain, so even the log’s operator cannot change it later.',
    fail: 'The blockchain does not confirm the anchor the record claims.',
    skip: 'The blockchain anchor was not checked.',
  },
  RECORD_FOUND: {
    title: 'An exact record exists',
    pass: 'This server holds a record for exactly this file.',
    fail: 'No record for this file.',
    skip: 'This server has no record for exactly this file.',
  },
  FINGERPRINT_MATCH: {
    title: 'Similar registered files',
    pass: 'A registered file looks like yours or names it (a lead to follow, not proof that they are the same).',
    fail: 'A similar registered file was found, but its own record does not verify.',
    skip: 'No registered file looks like this one.',
  },
}

export function checkWords(code: string): CheckWords {
  return checks[code] ?? { title: code, pass: 'Passed.', fail: 'Failed.', skip: 'Not checked.' }
}

/** What an API or wallet error code means for the reader; undefined for codes with nothing to add. */
const codeHints: Record<string, string> = {
  ASSET_NOT_FOUND: 'This server has no record of that content address.',
  CID_INVALID: 'That is not a valid content address (CID).',
  DID_INVALID: 'That is not a valid creator identifier (DID).',
  INPUT_INVALID: 'Some of the values entered are not accepted; see the fields named below.',
  CURSOR_INVALID: 'This page of results is out of date; run the search again.',
  RATE_LIMITED: 'Too many requests in a short time; wait a moment and try again.',
  ROUTE_NOT_FOUND: 'This server does not offer that part of the API (it may be an older version).',
  CHECKPOINT_NOT_FOUND: 'The log has not published a checkpoint yet.',
  NETWORK_ERROR: 'Check your connection, then try again.',
  SERVICE_UNAVAILABLE: 'The server is restarting; try again in a moment.',
  IMAGE_INVALID: 'The file looks like an image but cannot be decoded.',
  BODY_TOO_LARGE: 'The file is larger than this server accepts for lookups.',
  USER_REJECTED: 'You declined the request in your wallet. Nothing was signed or paid.',
  INSUFFICIENT_FUNDS: 'The account does not hold enough to pay the price plus the network fee.',
  OFFER_EXPIRED: 'This offer is past its expiry date. Ask the seller for a new offer.',
  OFFER_SIGNATURE_INVALID: 'The seller’s signature on this offer does not check out on the chain; do not buy under it.',
  OFFER_CANCELLED: 'The seller cancelled this offer.',
  SUPPLY_EXCEEDED: 'All licences under this offer have been sold.',
  CURRENCY_NOT_ALLOWED: 'The contract no longer accepts the currency this offer is priced in.',
  WRONG_CHAIN: 'Your wallet is connected to another network than the offer’s.',
  NO_WALLET: 'No browser wallet was found. Install one, or use the built-in dev wallet on the dev chain.',
  NOTHING_OWED: 'Nothing is owed to this account in this currency.',
  CONTRACT_PAUSED: 'The licence contract is paused by its operator; try again later.',
  CHAIN_UNREACHABLE: 'The blockchain node could not be reached.',
}

export function codeHint(code: string): string | undefined {
  return codeHints[code]
}

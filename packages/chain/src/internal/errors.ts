import { type ErrorCode, MintmarkError } from '@mintmark/core'
import {
  BaseError,
  ChainMismatchError,
  ContractFunctionRevertedError,
  HttpRequestError,
  InsufficientFundsError,
  SocketClosedError,
  TimeoutError,
  WaitForTransactionReceiptTimeoutError,
  WebSocketRequestError,
} from 'viem'

/** Where a failure happened, for the message: `MintmarkLicenses.purchase`. */
export type ChainErrorContext = { contract?: string | undefined; functionName: string }

/** Custom errors that have their own code; every other revert is CHAIN_TX_REVERTED. */
const revertCodes: Record<string, { code: ErrorCode; message: string }> = {
  MintmarkAnchorForkedLog: { code: 'ANCHOR_FORKED_LOG', message: 'The chain refused the checkpoint: it does not extend the anchored log (forked or rewritten)' },
  MintmarkAnchorAlreadyAnchored: { code: 'ANCHOR_ALREADY_ANCHORED', message: 'This checkpoint is already the latest anchor of the log' },
  MintmarkAnchorTreeShrank: { code: 'ANCHOR_SUPERSEDED', message: 'The chain already holds a larger anchor of this log' },
  MintmarkLicensesOfferExpired: { code: 'LICENSE_OFFER_EXPIRED', message: 'The licence offer has expired' },
  MintmarkLicensesInvalidSignature: { code: 'LICENSE_SIGNATURE_INVALID', message: "The offer's signature is not the seller's over this offer (tampered offer or wrong signature)" },
  MintmarkLicensesCurrencyNotAllowed: { code: 'LICENSE_CURRENCY_NOT_ALLOWED', message: 'The offer is priced in a currency the licences contract does not accept' },
  ERC20InsufficientBalance: { code: 'CHAIN_INSUFFICIENT_FUNDS', message: 'The buyer does not hold enough of the ERC-20 the offer is priced in' },
}

/**
 * Translates a viem (or any) failure into a MintmarkError with a stable code, keeping the original
 * as `cause`. Already-coded errors pass through unchanged.
 * @internal
 */
export function toChainError(error: unknown, context: ChainErrorContext): MintmarkError {
  if (error instanceof MintmarkError) return error
  const where = context.contract ? `${context.contract}.${context.functionName}` : context.functionName
  if (!(error instanceof BaseError))
    return new MintmarkError('INTERNAL', `Unexpected failure in ${where}.`, { cause: error, details: String(error) })

  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) {
    const name = reverted.data?.errorName
    const call = name ? `${name}(${(reverted.data?.args ?? []).map(formatArg).join(', ')})` : (reverted.reason ?? reverted.signature ?? 'no reason')
    const known = name ? revertCodes[name] : undefined
    return new MintmarkError(known?.code ?? 'CHAIN_TX_REVERTED', known ? `${known.message} (${name}).` : `${where} reverted with ${name ?? call}.`, {
      cause: error,
      metaMessages: [`Call: ${where}`],
      details: call,
    })
  }
  if (error.walk((e) => e instanceof InsufficientFundsError))
    return new MintmarkError('CHAIN_INSUFFICIENT_FUNDS', `The sending account cannot pay the gas and value of ${where}.`, { cause: error })
  const mismatch = error.walk((e) => e instanceof ChainMismatchError)
  if (mismatch instanceof ChainMismatchError)
    return new MintmarkError('CHAIN_ID_MISMATCH', 'The RPC URL serves a different chain than the one configured.', {
      cause: error,
      details: mismatch.details,
    })
  if (error.walk((e) => e instanceof WaitForTransactionReceiptTimeoutError))
    return new MintmarkError('CHAIN_TX_TIMEOUT', `No receipt arrived in time for ${where}.`, { cause: error })
  const transport = error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof SocketClosedError || e instanceof WebSocketRequestError)
  if (transport) {
    const url = (transport as { url?: unknown }).url
    return new MintmarkError('CHAIN_RPC_UNREACHABLE', `The chain's RPC endpoint did not answer (${where}).`, {
      cause: error,
      details: typeof url === 'string' ? `RPC ${redactRpcUrl(url)}` : undefined,
    })
  }
  return new MintmarkError('CHAIN_RPC_ERROR', `The node returned an error for ${where}: ${error.shortMessage}`, { cause: error })
}

export function chainIdMismatch(expected: number, actual: number): MintmarkError<'CHAIN_ID_MISMATCH'> {
  return new MintmarkError('CHAIN_ID_MISMATCH', 'The RPC URL serves a different chain than the one configured.', {
    details: `expected chain id ${expected}, the node reports ${actual}`,
  })
}

/** Keeps scheme, host and port: API keys often sit in the path, query or user info. */
export function redactRpcUrl(url: string): string {
  try {
    const u = new URL(url)
    const hidden = u.pathname !== '/' || u.search || u.username ? '/…' : ''
    return `${u.protocol}//${u.host}${hidden}`
  } catch {
    return '(unparseable URL)'
  }
}

function formatArg(value: unknown): string {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return value
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
}

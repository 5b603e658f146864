/**
 * A wallet or chain failure in the page's words, with a stable code (shown next to the message).
 * Only this file knows viem's error classes, by name, so it imports nothing from viem.
 */
export class WalletError extends Error {
  override name = 'WalletError'
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: string | undefined,
  ) {
    super(message)
  }

  static from(error: unknown): WalletError {
    if (error instanceof WalletError) return error
    const chain = causes(error)
    const first = (error as Error)?.message?.split('\n')[0]
    // EIP-1193 4001 / viem UserRejectedRequestError: the person said no in the wallet.
    if (chain.some((e) => e.code === 4001 || e.name === 'UserRejectedRequestError'))
      return new WalletError('USER_REJECTED', 'You rejected the request in your wallet. Nothing was signed and nothing was paid.')
    const reverted = chain.find((e) => e.name === 'ContractFunctionRevertedError') as { data?: { errorName?: string; args?: readonly unknown[] } } | undefined
    const errorName = reverted?.data?.errorName
    if (errorName) return fromRevert(errorName, reverted?.data?.args ?? [])
    if (chain.some((e) => e.name === 'InsufficientFundsError' || /insufficient funds/i.test(String(e.message))))
      return new WalletError('INSUFFICIENT_FUNDS', 'The account does not have enough ETH to pay the price and the network fee.', first)
    if (chain.some((e) => e.name === 'ChainMismatchError')) return new WalletError('WRONG_CHAIN', 'Your wallet is on another network than the offer’s.', first)
    if (chain.some((e) => e.name === 'HttpRequestError' || e.name === 'TimeoutError'))
      return new WalletError('CHAIN_UNREACHABLE', 'The blockchain node did not answer. Try again in a moment.', first)
    return new WalletError('CHAIN_ERROR', 'The transaction could not be completed.', first)
  }
}

function causes(error: unknown): { name?: string; code?: number; message?: string }[] {
  const out: { name?: string; code?: number; message?: string }[] = []
  let e = error as { cause?: unknown } | undefined
  for (let i = 0; e && i < 10; i++) {
    out.push(e as { name?: string; code?: number; message?: string })
    e = e.cause as { cause?: unknown } | undefined
  }
  return out
}

const seconds = (v: unknown) => (typeof v === 'bigint' ? new Date(Number(v) * 1000).toLocaleString() : String(v))

/** The licences contract's custom errors (contracts/src), in words. */
function fromRevert(name: string, args: readonly unknown[]): WalletError {
  switch (name) {
    case 'MintmarkLicensesOfferExpired':
      return new WalletError('OFFER_EXPIRED', `This offer expired${args[0] !== undefined ? ` on ${seconds(args[0])}` : ''}. Ask the seller for a new one; nothing was paid.`)
    case 'MintmarkLicensesInvalidSignature':
      return new WalletError('OFFER_SIGNATURE_INVALID', 'The chain does not accept the seller’s signature on this offer; nothing was paid.')
    case 'MintmarkLicensesOfferIsCancelled':
    case 'MintmarkLicensesNonceIsCancelled':
      return new WalletError('OFFER_CANCELLED', 'The seller cancelled this offer; nothing was paid.')
    case 'MintmarkLicensesSupplyExceeded':
      return new WalletError('SUPPLY_EXCEEDED', 'Not enough licences are left under this offer.')
    case 'MintmarkLicensesCurrencyNotAllowed':
      return new WalletError('CURRENCY_NOT_ALLOWED', 'The contract does not accept this offer’s currency.')
    case 'MintmarkLicensesWrongPayment':
      return new WalletError('WRONG_PAYMENT', 'The amount sent does not match the price.')
    case 'MintmarkLicensesRequiredShareMissing':
      return new WalletError('REQUIRED_SHARE_MISSING', 'This offer does not pay the upstream creators the share their licences require; the contract refuses it.')
    case 'MintmarkLicensesNothingOwed':
      return new WalletError('NOTHING_OWED', 'Nothing is owed to this account in this currency.')
    case 'EnforcedPause':
      return new WalletError('CONTRACT_PAUSED', 'The licence contract is paused.')
    case 'ERC20InsufficientBalance':
      return new WalletError('INSUFFICIENT_FUNDS', 'The account does not hold enough of the token the offer is priced in.')
    default:
      return new WalletError('CHAIN_TX_REVERTED', `The contract refused the transaction (${name}).`)
  }
}

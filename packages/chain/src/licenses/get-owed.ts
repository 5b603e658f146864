import type { MintmarkError } from '@mintmark/core'
import { type Address, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import { mintmarkLicensesAbi } from '../generated/contracts.js'
import { getCheckedChainId } from '../internal/chain.js'
import { toChainError } from '../internal/errors.js'
import type { ReadClient } from '../types.js'

export type GetOwedParameters = {
  /** The MintmarkLicenses contract. */
  address: Address
  account: Address
  /** Default ETH (the zero address). */
  currency?: Address | undefined
}
export type GetOwedReturnType = bigint
export type GetOwedErrorType = MintmarkError<'CHAIN_ID_MISMATCH' | 'CHAIN_RPC_UNREACHABLE' | 'CHAIN_RPC_ERROR'>

/**
 * What the contract owes `account` in `currency`, withdrawable now.
 *
 * @example
 * await getOwed(publicClient, { address: chain.contracts.licenses, account: payee }) // 1000000000000000n
 */
export async function getOwed(client: ReadClient, parameters: GetOwedParameters): Promise<GetOwedReturnType> {
  try {
    await getCheckedChainId(client)
    return await readContract(client, {
      address: parameters.address,
      abi: mintmarkLicensesAbi,
      functionName: 'owed',
      args: [parameters.currency ?? zeroAddress, parameters.account],
    })
  } catch (error) {
    throw toChainError(error, { contract: 'MintmarkLicenses', functionName: 'owed' })
  }
}

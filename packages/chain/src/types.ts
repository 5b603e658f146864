import type { Account, Address, Chain, Client, Hash, Transport } from 'viem'

/** Any viem client (public or wallet) that can read: actions take it as is, keeping its transport. */
export type ReadClient = Client<Transport, Chain | undefined, Account | undefined>

/** A viem client with an account to send from (a wallet client, usually with a local account). */
export type WriteClient = Client<Transport, Chain | undefined, Account>

/** Where a mined transaction landed. */
export type TransactionResult = {
  transactionHash: Hash
  blockNumber: number
  blockHash: Hash
}

/** The deployed Mintmark contracts on one chain. */
export type MintmarkContracts = { anchor: Address; licenses: Address }

import { MintmarkError } from '@mintmark/core'
import { type Address, concat, encodeDeployData, getContractAddress, type Hex, keccak256, stringToHex } from 'viem'
import type { TestClient } from 'viem'
import { getCode, sendTransaction, setCode } from 'viem/actions'
import { mintmarkAnchorAbi, mintmarkAnchorBytecode, mintmarkLicensesAbi, mintmarkLicensesBytecode } from '../generated/contracts.js'
import { waitForSuccess } from '../internal/chain.js'
import type { MintmarkContracts, WriteClient } from '../types.js'

/** Arachnid's deterministic deployment proxy: CREATE2 with `salt ‖ initCode` as calldata. */
export const create2Deployer: Address = '0x4e59b44847b379578588920ca78fbf26c0b4956c'
/** Its runtime code, installed with `anvil_setCode` on a node started without it. */
const create2DeployerCode: Hex =
  '0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3'

const salt = keccak256(stringToHex('mintmark.dev-chain.v1'))
/** ERC-1155 metadata URI of dev-chain licences (clients substitute `{id}`). */
const licensesUri = 'mintmark:license/{id}'

/**
 * Deploys MintmarkAnchor and MintmarkLicenses through the CREATE2 proxy, `admin` getting every
 * role: the addresses depend only on the bytecode and `admin`, so they are the same on every dev
 * chain and after every restart. Contracts already there are left alone.
 * @internal
 */
export async function deployMintmarkContracts(client: WriteClient, { admin }: { admin: Address }): Promise<MintmarkContracts> {
  const anchor = await deployOnce(client, encodeDeployData({ abi: mintmarkAnchorAbi, bytecode: mintmarkAnchorBytecode, args: [admin] }))
  const licenses = await deployOnce(
    client,
    encodeDeployData({ abi: mintmarkLicensesAbi, bytecode: mintmarkLicensesBytecode, args: [admin, licensesUri] }),
  )
  return { anchor, licenses }
}

/**
 * Anvil predeploys the proxy unless started with `--disable-default-create2-deployer`; otherwise
 * its code is set directly (the proxy's presigned pre-EIP-155 deployment would need funding and
 * a node that accepts unprotected transactions).
 * @internal
 */
export async function ensureCreate2Deployer(client: TestClient<'anvil'>): Promise<void> {
  if (!(await getCode(client, { address: create2Deployer }))) await setCode(client, { address: create2Deployer, bytecode: create2DeployerCode })
}

async function deployOnce(client: WriteClient, initCode: Hex): Promise<Address> {
  const address = getContractAddress({ opcode: 'CREATE2', from: create2Deployer, salt, bytecode: initCode })
  if (await getCode(client, { address })) return address
  const hash = await sendTransaction(client, { to: create2Deployer, data: concat([salt, initCode]), account: client.account, chain: client.chain ?? null })
  await waitForSuccess(client, hash, 'CREATE2 deployment')
  if (!(await getCode(client, { address })))
    throw new MintmarkError('DEVCHAIN_START_FAILED', 'A dev-chain contract deployment left no code at its CREATE2 address.', { details: address })
  return address
}

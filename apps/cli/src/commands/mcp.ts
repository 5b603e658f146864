import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { defaultHome, initHome } from '@mintmark/app'
import { MintmarkError, parseJson } from '@mintmark/core'
import { createAgent, listAgents, runMcpStdio, setAgentPolicy } from '@mintmark/server'
import { parse, usage } from '../args.js'
import { type Io, printJson } from '../output.js'

export const help = `mintmark mcp [--agent NAME]
  Serves the MCP tools (search_assets, get_asset, get_provenance, verify_file, list_offers,
  purchase_license, register_asset, download_asset, agent_decisions, get_agent_policy) over stdio
  for one agent. The same tools are served over Streamable HTTP at /mcp by \`mintmark serve\`.
mintmark mcp agent create NAME [--policy POLICY.json]   an agent: its own did:key and EVM key
mintmark mcp agent policy NAME POLICY.json              what the agent may spend (see ADR 0011)
mintmark mcp agent list [--json]`

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { agent: { type: 'string' }, policy: { type: 'string' } })
  const home = values.home ?? defaultHome(io.env)
  if (positionals[0] === 'agent') {
    await initHome({ home })
    const [, action, name, policyFile] = positionals
    const readPolicy = async (file: string | undefined) => {
      if (!file) return undefined
      const text = await fsp.readFile(path.resolve(io.cwd, file), 'utf8').catch((cause: unknown) => {
        throw new MintmarkError('FILE_NOT_FOUND', `Cannot read policy file ${file}.`, { cause })
      })
      return parseJson(text) as Parameters<typeof setAgentPolicy>[0]['policy']
    }
    if (action === 'create' && name) {
      const agent = await createAgent({ home, name, policy: await readPolicy(values.policy) })
      if (values.json) printJson(io, agent)
      else io.stdout(`agent ${agent.name}\n  did  ${agent.did}\n  evm  ${agent.evmAddress} (fund it to let it buy licences)\n`)
      return 0
    }
    if (action === 'policy' && name && policyFile) {
      const record = await setAgentPolicy({ home, agent: name, policy: (await readPolicy(policyFile)) as Parameters<typeof setAgentPolicy>[0]['policy'] })
      if (values.json) printJson(io, record)
      else io.stdout(`policy set for ${name}\n`)
      return 0
    }
    if (action === 'list') {
      const agents = await listAgents({ home })
      if (values.json) printJson(io, agents)
      else for (const a of agents) io.stdout(`${a.name}  ${a.did}  ${a.evmAddress}\n`)
      return 0
    }
    throw usage('usage: mintmark mcp agent create NAME [--policy FILE] | agent policy NAME FILE | agent list')
  }
  if (positionals.length) throw usage('usage: mintmark mcp [--agent NAME]')
  const { closed } = await runMcpStdio({ home, agent: values.agent, log: (line) => io.stderr(`${line}\n`) })
  await closed
  return 0
}

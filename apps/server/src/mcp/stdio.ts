import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { createStatementAppender, openApp } from '@mintmark/app'
import { MintmarkError } from '@mintmark/core'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { ServiceContext } from '../operations.js'
import { openAgentState, openSearchState } from '../open-state.js'
import { catchUpSearchIndex } from '../search/search-index.js'
import { type AgentIdentity, loadAgent } from './agents.js'
import { createMcpServer } from './tools.js'

export type RunMcpStdioOptions = {
  /** The Mintmark home. */
  home: string
  /** The agent to act as (name or DID); default the home's only agent. Without agents: read tools only. */
  agent?: string | undefined
  /** Passphrase of the home's creator key, when encrypted (checkpoints are signed by the log key, not this one). */
  passphrase?: string | undefined
  /** Streams (default process.stdin / process.stdout). Nothing else is ever written to stdout. */
  stdin?: NodeJS.ReadableStream | undefined
  stdout?: NodeJS.WritableStream | undefined
  /** Where diagnostics go (default process.stderr). */
  log?: ((line: string) => void) | undefined
}

/**
 * Serves MCP over stdio for one agent (`mintmark mcp`): opens the home (store, search index,
 * agents database; the dev chain on first use), serves until stdin ends or `close()`, then closes
 * everything, stopping a dev chain it started. Tools may read and write paths on this machine.
 *
 * @example
 * const { closed } = await runMcpStdio({ home: '.mintmark', agent: 'shopper' })
 * await closed
 */
export async function runMcpStdio(options: RunMcpStdioOptions): Promise<{ agent: AgentIdentity | undefined; close: () => Promise<void>; closed: Promise<void> }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const app = await openApp({ home: options.home, passphrase: options.passphrase })
  const agents = await openAgentState(app)
  const search = await openSearchState(app)
  let tail: Promise<void> = Promise.resolve()
  const catchUp = (): Promise<void> => {
    tail = tail.then(async () => {
      await catchUpSearchIndex(search, app.store, app.config.logOrigin)
    }).catch((error: unknown) => log(`search index catch-up failed: ${String(error)}`))
    return tail
  }
  const closeAll = async () => {
    await appender.idle()
    await tail
    await search.close()
    await agents.close()
    await app.close()
  }
  const appender = createStatementAppender({ store: { appendEntries: app.appendEntries } })
  let agent: AgentIdentity | undefined
  try {
    await catchUp()
    const name = options.agent ?? (await (async () => {
      const all = await agents.list()
      if (all.length > 1) throw new MintmarkError('AGENT_NOT_FOUND', `This home has ${all.length} agents: name the one to act as.`, { metaMessages: [`Agents: ${all.map((a) => a.name).join(', ')}`] })
      return all[0]?.name
    })())
    agent = name === undefined ? undefined : await loadAgent(app.home, agents, name)
  } catch (error) {
    await closeAll()
    throw error
  }
  const uploadsDir = path.join(app.home, 'uploads', `mcp-${process.pid}`)
  await fsp.mkdir(uploadsDir, { recursive: true, mode: 0o700 })
  const creatorDid = await app
    .getSigner()
    .then((s) => s.did)
    .catch(() => '')
  const service: ServiceContext = { app, search, appender, creatorDid, catchUp, uploadsDir, now: () => new Date(), agents }
  const mcp = createMcpServer(service, { agent, agents, transport: 'stdio' })
  const stdin = (options.stdin ?? process.stdin) as NodeJS.ReadStream
  const transport = new StdioServerTransport(stdin, (options.stdout ?? process.stdout) as NodeJS.WriteStream)
  let closing: Promise<void> | undefined
  let resolveClosed: () => void = () => {}
  const closed = new Promise<void>((r) => {
    resolveClosed = r
  })
  const close = () => {
    closing ??= (async () => {
      stdin.off('end', onEnd)
      await mcp.close().catch(() => {})
      await closeAll()
      await fsp.rm(uploadsDir, { recursive: true, force: true }).catch(() => {})
      resolveClosed()
    })()
    return closing
  }
  const onEnd = () => void close()
  stdin.on('end', onEnd)
  transport.onclose = () => void close()
  await mcp.connect(transport)
  log(`mintmark MCP server on stdio${agent ? ` as agent ${agent.name} (${agent.did})` : ' (no agent: read tools only)'}`)
  return { agent, close, closed }
}

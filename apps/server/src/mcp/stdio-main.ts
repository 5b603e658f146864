#!/usr/bin/env node
// `node dist/mcp/stdio-main.js --home <dir> [--agent <name>]`: the MCP stdio server as a process
// (the CLI's `mintmark mcp` calls runMcpStdio the same way). Exits when stdin ends or on SIGTERM.
import { parseArgs } from 'node:util'
import { runMcpStdio } from './stdio.js'

const { values } = parseArgs({ options: { home: { type: 'string' }, agent: { type: 'string' } }, strict: true })
try {
  const server = await runMcpStdio({ home: values.home ?? process.env.MINTMARK_HOME ?? '.mintmark', agent: values.agent ?? process.env.MINTMARK_AGENT })
  const stop = () => void server.close()
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  await server.closed
  process.exit(0)
} catch (error) {
  const e = error as { code?: string; message?: string }
  process.stderr.write(`${e.code ?? 'INTERNAL'}: ${e.message ?? String(error)}\n`)
  process.exit(1)
}

import { MintmarkError } from '@mintmark/core'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import type { ServiceContext } from '../operations.js'
import { type AgentIdentity, type AgentState, loadAgent } from './agents.js'
import { createMcpServer } from './tools.js'

/**
 * The MCP Streamable HTTP endpoint (`/mcp`), stateless: every POST carries its own credentials
 * and gets a fresh McpServer and transport (JSON responses, no SSE stream, no session id), so
 * any instance behind a load balancer can answer and nothing is kept between requests.
 * The caller authenticates with `Authorization: Bearer <API key>` whose principal is an agent's
 * DID; the session acts as that agent.
 */
export function createMcpHttpHandler(p: {
  service: ServiceContext
  agents: AgentState
  home: string
  /** The principal of a valid, unexpired, unrevoked API key; throws AUTH_INVALID otherwise. */
  authenticate: (request: Request) => string | Promise<string>
  maxBodyBytes?: number | undefined
}) {
  const identities = new Map<string, Promise<AgentIdentity>>()
  const identity = (did: string): Promise<AgentIdentity> => {
    let found = identities.get(did)
    if (!found) {
      found = loadAgent(p.home, p.agents, did)
      found.catch(() => identities.delete(did))
      identities.set(did, found)
    }
    return found
  }
  return async function handle(request: Request): Promise<Response> {
    const principal = await p.authenticate(request)
    if (!(await p.agents.get(principal))) throw new MintmarkError('AGENT_NOT_FOUND', 'The API key does not belong to an agent of this home: /mcp acts as an agent.')
    const agent = await identity(principal)
    const mcp = createMcpServer(p.service, { agent, agents: p.agents, transport: 'http' })
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true, maxRequestBodySize: p.maxBodyBytes ?? 96 * 1024 * 1024 })
    await mcp.connect(transport)
    try {
      return await transport.handleRequest(request)
    } finally {
      // JSON responses are complete once returned: release the per-request server.
      void mcp.close().catch(() => {})
    }
  }
}

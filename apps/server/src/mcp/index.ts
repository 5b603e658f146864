// biome-ignore lint/performance/noBarrelFile: module entrypoint
export { type AgentIdentity, type AgentRecord, type AgentStore, checkPolicy, createAgent, denyAllPolicy, listAgents, loadAgent, openAgentStore, setAgentPolicy } from './agents.js'
export { decisionMediaType, decisionType, listDecisions, recordDecision } from './decisions.js'
export { createMcpHttpHandler } from './http.js'
export { type RunMcpStdioOptions, runMcpStdio } from './stdio.js'
export { type CreateMcpServerOptions, createMcpServer, type McpTransportKind, toolError } from './tools.js'

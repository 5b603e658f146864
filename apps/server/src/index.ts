// biome-ignore lint/performance/noBarrelFile: package entrypoint
export { type CreateServerOptions, type MintmarkServer, createApiKey, createServer, revokeApiKey, startServer } from './server.js'
export { type AuthRule, type BodyKind, type RouteDefinition, type RouteLimits, createRoutes, defaultRouteLimits } from './routes.js'
export { type Actor, type ServiceContext } from './operations.js'
export { contentDigest, signRequest, type SignRequestParameters, verifyHttpSignature } from './auth/http-signature.js'
export { type ApiKeyScope, apiKeyScopes } from './server-db.js'
export { type BucketConfig, type BucketName, defaultBuckets } from './http/rate-limit.js'
export { createOpenApiDocument, renderDocsHtml } from './http/openapi.js'
export { type Problem, problemSchema, toProblem } from './http/problem.js'
export { catchUpSearchIndex, createSearchIndex, type SearchIndex, type SearchRow } from './search/search-index.js'
export { licenceFacts, sourceGroupOf, spdxTerms } from './search/classify.js'
export * as schemas from './schemas.js'
export {
  type AgentIdentity,
  type AgentRecord,
  type CreateMcpServerOptions,
  type RunMcpStdioOptions,
  createAgent,
  createMcpServer,
  decisionMediaType,
  listAgents,
  listDecisions,
  openAgentStore,
  runMcpStdio,
  setAgentPolicy,
} from './mcp/index.js'
export type { AgentPolicy } from './schemas.js'

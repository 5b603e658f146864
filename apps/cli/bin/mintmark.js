#!/usr/bin/env node
// More libuv threads than the default 4: bulk registration overlaps many fsyncs. Must be set
// before the first asynchronous file operation, hence the dynamic import below.
process.env.UV_THREADPOOL_SIZE ??= '16'
const { main } = await import('../dist/main.js')

process.exitCode = await main(process.argv.slice(2))

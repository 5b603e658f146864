#!/usr/bin/env node
// The one test command: builds, runs the TypeScript suites (vitest) and the Solidity suites
// (forge), and ends with a plain "N passed, N failed" line that CI reads.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const outDir = path.join(root, 'test-results')
mkdirSync(outDir, { recursive: true })
const only = process.argv.slice(2)
let passed = 0
let failed = 0
let skipped = 0

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
}

const build = run('npm', ['run', 'build'])
if (build.status !== 0) {
  console.log('\nbuild failed')
  console.log(`0 passed, 1 failed`)
  process.exit(1)
}

// The contracts' ABIs and bytecode are committed as TypeScript (packages/chain/src/generated):
// compile the contracts and fail when those files are stale.
if (!only.length || only.includes('sol') || only.includes('ts')) {
  const compiled = run('npx', ['forge', 'build'], { cwd: path.join(root, 'contracts') })
  const check = compiled.status === 0 ? run('node', ['scripts/gen-contracts.mjs', '--check']) : compiled
  if (check.status === 0) passed += 1
  else {
    console.log('\ncontracts do not build, or packages/chain/src/generated is stale: run `npx forge build` in contracts/ and `node scripts/gen-contracts.mjs`')
    failed += 1
  }
}

// The Solidity suites run while vitest runs: the TypeScript suites leave about half of the two
// cores idle (processes waiting on fsync, anvil, sleeps), and forge's fuzzing fills it. Their
// output is printed after vitest's.
let forge
if ((!only.length || only.includes('sol')) && existsSync(path.join(root, 'contracts', 'foundry.toml'))) {
  console.log('\n$ npx forge test (FOUNDRY_PROFILE=ci, in the background)')
  forge = new Promise((resolve) => {
    const child = spawn('npx', ['forge', 'test'], { cwd: path.join(root, 'contracts'), env: { ...process.env, FOUNDRY_PROFILE: process.env.FOUNDRY_PROFILE ?? 'ci' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.on('error', (error) => resolve({ status: 1, stdout, stderr: `${stderr}${error.message}\n` }))
  })
}

if (!only.length || only.includes('ts')) {
  const jsonFile = path.join(outDir, 'vitest.json')
  // Asynchronously, so that forge's output keeps being read meanwhile.
  console.log(`\n$ npx vitest run --reporter=default --reporter=json --outputFile.json=${jsonFile}`)
  const r = await new Promise((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`], { cwd: root, stdio: 'inherit' })
    child.on('close', (status) => resolve({ status }))
    child.on('error', () => resolve({ status: 1 }))
  })
  if (existsSync(jsonFile)) {
    const j = JSON.parse(readFileSync(jsonFile, 'utf8'))
    passed += j.numPassedTests
    // A suite that failed to load has no failed assertions of its own: count it once.
    const brokenSuites = (j.testResults ?? []).filter((s) => s.status === 'failed' && !s.assertionResults?.some((a) => a.status === 'failed')).length
    failed += j.numFailedTests + brokenSuites
    skipped += j.numPendingTests + j.numTodoTests
  } else if (r.status !== 0) failed += 1
}

if (forge) {
  const r = await forge
  console.log('\n$ npx forge test (output)')
  process.stdout.write(r.stdout)
  process.stderr.write(r.stderr)
  const m = /(\d+) tests passed, (\d+) failed, (\d+) skipped/.exec(r.stdout)
  if (m) {
    passed += Number(m[1])
    failed += Number(m[2])
    skipped += Number(m[3])
  } else if (r.status !== 0) failed += 1
}

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed ? 1 : 0)

#!/usr/bin/env node
// Offline stand-in for the native `solc` binary, for `forge` (foundry.toml `solc = "tools/solc.mjs"`).
// forge calls it twice: `--version` (to learn the compiler version) and
// `--allow-paths <a,b> --base-path <root> [--include-path <p>]... --standard-json` with the
// standard-JSON input on stdin. We answer both with the `solc` npm package (solc-js), so a build
// needs no download of a native compiler.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const solc = require('solc');

const args = process.argv.slice(2);

/** Reads every value of a repeatable `--flag value` option (also `--flag=value`, comma lists). */
function optionValues(name) {
  const values = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === name && i + 1 < args.length) values.push(args[++i]);
    else if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
  }
  return values.flatMap((v) => v.split(',')).filter((v) => v.length > 0);
}

if (args.includes('--version') || args.includes('-v')) {
  // solc-js reports `<ver>+commit.<hash>.Emscripten.clang`; forge parses the line like the
  // native binary's, so we print the native form with the same version and commit.
  const version = solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('tools/solc.mjs supports only --version and --standard-json\n');
  process.exit(2);
}

const basePath = optionValues('--base-path')[0] ?? process.cwd();
const includePaths = optionValues('--include-path');
const input = readFileSync(0, 'utf8');
const remappings = parseRemappings(JSON.parse(input)?.settings?.remappings ?? []);

/** `context:prefix=target` remappings, longest prefix first (solc's rule, context ignored). */
function parseRemappings(list) {
  return list
    .map((entry) => {
      const eq = entry.indexOf('=');
      if (eq < 0) return undefined;
      const lhs = entry.slice(0, eq);
      const colon = lhs.indexOf(':');
      return { prefix: colon >= 0 ? lhs.slice(colon + 1) : lhs, target: entry.slice(eq + 1) };
    })
    .filter((r) => r !== undefined && r.prefix.length > 0)
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/**
 * solc-js import callback: forge normally sends every source in the input, so this runs only for
 * a file it left out. Resolution order mirrors solc's CLI: the source unit name as an absolute
 * path, then relative to the base path, then to each include path; remappings are applied first.
 */
function findImport(sourceUnitName) {
  let name = sourceUnitName;
  for (const { prefix, target } of remappings) {
    if (name.startsWith(prefix)) {
      name = target + name.slice(prefix.length);
      break;
    }
  }
  const candidates = isAbsolute(name)
    ? [name]
    : [basePath, ...includePaths].map((root) => resolve(root, name));
  for (const candidate of candidates) {
    if (existsSync(candidate)) return { contents: readFileSync(candidate, 'utf8') };
  }
  return { error: `File not found: ${sourceUnitName} (looked in ${candidates.join(', ')})` };
}

process.stdout.write(solc.compile(input, { import: findImport }));

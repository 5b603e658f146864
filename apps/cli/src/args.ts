import { type ParseArgsConfig, parseArgs } from 'node:util'
import { MintmarkError } from '@mintmark/core'

type Options = NonNullable<ParseArgsConfig['options']>

/** Options every command takes. */
export const globalOptions = {
  json: { type: 'boolean' },
  home: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options

/** parseArgs in strict mode, with its errors turned into USAGE_INVALID. */
function parse<const O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...globalOptions, ...options }, allowPositionals: true, strict: true })
  } catch (cause) {
    throw new MintmarkError('USAGE_INVALID', (cause as Error).message.split('\n')[0] ?? 'Invalid arguments.', { cause })
  }
}

function usage(message: string): MintmarkError {
  return new MintmarkError('USAGE_INVALID', message)
}
export { parse, usage }

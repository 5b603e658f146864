import { MintmarkError } from '../errors/base.js'
import { type CidProfile, type CidProfileName, cidProfiles, defaultCidProfileName } from './cid-profiles.js'

/** Largest chunk accepted in a custom profile: 4 MiB (bitswap refuses blocks over 2 MiB anyway). */
export const maxCustomChunkSize = 4 * 1_048_576
/** Largest DAG width accepted in a custom profile. */
export const maxCustomLinks = 65_536

/**
 * Turns a profile name or a custom profile into a validated {@link CidProfile}. A custom profile
 * (any `chunkSize` 1..4 MiB, `maxLinks` 2..65536) exists for tests and for reproducing other tools;
 * CIDs made with it match kubo's only with the same `--chunker=size-N --max-file-links=M`.
 * @throws MintmarkError `INPUT_INVALID` for an unknown name or out-of-range sizes.
 */
export function resolveCidProfile(profile: CidProfileName | CidProfile = defaultCidProfileName): CidProfile {
  if (typeof profile === 'string') {
    if (!Object.hasOwn(cidProfiles, profile)) {
      throw new MintmarkError('INPUT_INVALID', `Unknown CID profile "${String(profile).slice(0, 64)}".`, {
        metaMessages: [`Known profiles: ${Object.keys(cidProfiles).join(', ')}`],
        fields: ['profile'],
      })
    }
    return cidProfiles[profile]
  }
  if (typeof profile !== 'object' || profile === null) {
    throw new MintmarkError('INPUT_INVALID', 'A CID profile must be a profile name or an object.', { fields: ['profile'] })
  }
  const { chunkSize, maxLinks } = profile
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > maxCustomChunkSize) {
    throw new MintmarkError('INPUT_INVALID', `CID profile chunkSize must be an integer from 1 to ${maxCustomChunkSize}.`, {
      fields: ['profile.chunkSize'],
    })
  }
  if (!Number.isSafeInteger(maxLinks) || maxLinks < 2 || maxLinks > maxCustomLinks) {
    throw new MintmarkError('INPUT_INVALID', `CID profile maxLinks must be an integer from 2 to ${maxCustomLinks}.`, {
      fields: ['profile.maxLinks'],
    })
  }
  return { name: typeof profile.name === 'string' ? profile.name : 'custom', chunkSize, maxLinks }
}

import type { C2paEvidence } from '../api/types.js'
import { actionInWords } from '../format.js'

/** Imported C2PA evidence: shown as what the file's maker claimed, validated, never as our record. */
export function C2paSummary({ c2pa }: { c2pa: C2paEvidence }) {
  const agent = (a: NonNullable<C2paEvidence['actions']>[number]) =>
    typeof a.softwareAgent === 'string' ? a.softwareAgent : a.softwareAgent?.name ? `${a.softwareAgent.name} ${a.softwareAgent.version ?? ''}`.trim() : undefined
  return (
    <div class="c2pa" data-valid={String(c2pa.valid ?? false)}>
      <p class="muted small">
        Imported evidence: signed by whoever produced the file, checked against the C2PA rules, but not part of this log’s signed record.
      </p>
      <dl class="facts">
        <dt>Validation</dt>
        <dd>
          {c2pa.valid ? 'Valid' : 'Does not validate'}
          {c2pa.validationStatus?.length ? ` (${c2pa.validationStatus.join(', ')})` : ''}
        </dd>
        {c2pa.claimGenerator ? (
          <>
            <dt>Made with</dt>
            <dd>{c2pa.claimGenerator}</dd>
          </>
        ) : null}
        {c2pa.signer ? (
          <>
            <dt>Signed by</dt>
            <dd>
              {c2pa.signer.subject ?? 'unknown signer'}
              {c2pa.signer.issuer ? `, certified by ${c2pa.signer.issuer}` : ''}
              {c2pa.signer.trusted === true ? ' (trusted)' : c2pa.signer.trusted === false ? ' (not trusted)' : ' (trust not judged)'}
            </dd>
          </>
        ) : null}
      </dl>
      {c2pa.actions?.length ? (
        <ul class="plain-list">
          {c2pa.actions.map((a, i) => (
            <li key={i}>
              {actionInWords(a.action)}
              {agent(a) ? ` with ${agent(a)}` : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

/** A placeholder that holds the space of what is loading, so nothing jumps when it arrives. */
export function Loading({ label = 'Loading…', height = '6rem' }: { label?: string; height?: string }) {
  return (
    <div class="loading" style={{ minHeight: height }} aria-busy="true">
      <span class="muted">{label}</span>
    </div>
  )
}

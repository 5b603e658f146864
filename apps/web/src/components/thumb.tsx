import { contentUrl } from '../api/endpoints.js'
import { mediaClass } from '../format.js'

const icons = { image: '🖼', audio: '♪', video: '▶', text: '¶', other: '◆' } as const

/**
 * A fixed-ratio tile for an asset: the image itself (lazy, decoded off the main thread) or a
 * media-type glyph. The box has its size before the image arrives, so the grid never shifts.
 */
export function Thumb({ cid, mediaType, alt }: { cid: string; mediaType: string; alt: string }) {
  const kind = mediaClass(mediaType)
  return (
    <div class="thumb">
      {kind === 'image' ? (
        <img src={contentUrl(cid)} alt={alt} loading="lazy" decoding="async" width={320} height={240} />
      ) : (
        <span class="thumb-glyph" aria-hidden="true">
          {icons[kind]}
        </span>
      )}
    </div>
  )
}

import type { Io } from './output.js'

/** A one-line progress bar on a TTY (files, MB/s, ETA); silent elsewhere. */
export function createProgressBar(io: Io, total: { files: number; bytes: number }) {
  const started = Date.now()
  let files = 0
  let bytes = 0
  let lastDraw = 0
  const draw = (force = false) => {
    if (!io.isTTY) return
    const now = Date.now()
    if (!force && now - lastDraw < 100) return
    lastDraw = now
    const secs = Math.max((now - started) / 1000, 0.001)
    const rate = bytes / secs
    const eta = rate > 0 ? Math.max(0, (total.bytes - bytes) / rate) : 0
    const frac = total.bytes ? bytes / total.bytes : files / Math.max(total.files, 1)
    const width = 24
    const filled = Math.round(frac * width)
    io.stderr(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${files}/${total.files} files  ${(rate / 1e6).toFixed(1)} MB/s  ETA ${formatSecs(eta)}   `,
    )
  }
  return {
    bytesHashed(n: number) {
      bytes += n
      draw()
    },
    fileDone() {
      files++
      draw()
    },
    finish() {
      draw(true)
      if (io.isTTY) io.stderr('\n')
    },
  }
}

function formatSecs(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`
  return `${Math.floor(s / 60)}m${Math.round(s % 60)
    .toString()
    .padStart(2, '0')}s`
}

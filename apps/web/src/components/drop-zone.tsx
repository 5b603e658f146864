import { useState } from 'preact/hooks'

/**
 * A drop target that is also a file picker: the input inside is a real, focusable control, so
 * keyboard and screen-reader users pick files the usual way (Enter/Space opens the dialog).
 */
export function DropZone({ onFiles, label, hint, multiple }: { onFiles: (files: File[]) => void; label: string; hint: string; multiple?: boolean }) {
  const [over, setOver] = useState(false)
  return (
    <label
      class={`drop-zone${over ? ' drop-zone-over' : ''}`}
      id="drop-zone"
      onDragOver={(e) => {
        e.preventDefault()
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'
        setOver(true)
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault()
        setOver(false)
        const files = [...(e.dataTransfer?.files ?? [])]
        if (files.length) onFiles(files)
      }}
    >
      <span class="drop-zone-label">{label}</span>
      <span class="muted small">{hint}</span>
      <input
        type="file"
        class="visually-hidden"
        multiple={multiple ?? false}
        onChange={(e) => {
          const input = e.currentTarget
          const files = [...(input.files ?? [])]
          input.value = ''
          if (files.length) onFiles(files)
        }}
      />
    </label>
  )
}

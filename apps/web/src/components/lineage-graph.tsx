import { useEffect, useRef, useState } from 'preact/hooks'
import type { Lineage, Manifest } from '../api/types.js'
import { relationInWords, shortCid } from '../format.js'

export type GraphNode = { id: string; label: string; kind: 'current' | 'asset' | 'model' | 'dataset'; cid?: string | undefined }
export type GraphEdge = { source: string; target: string; label: string }

/**
 * The lineage as nodes and edges, arrows pointing from what was used to what was made: ancestors
 * → … → this asset → … → descendants, plus the model and datasets this asset was made with.
 */
export function lineageGraph(cid: string, lineage: Lineage, statement: Manifest | undefined, titles: ReadonlyMap<string, string> = new Map()): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>([[cid, { id: cid, label: 'This asset', kind: 'current', cid }]])
  const edges = new Map<string, GraphEdge>()
  const asset = (c: string) => {
    if (!nodes.has(c)) nodes.set(c, { id: c, label: titles.get(c) ?? shortCid(c), kind: 'asset', cid: c })
  }
  for (const a of lineage.ancestors) {
    asset(a.cid)
    edges.set(`${a.cid}>${a.via}`, { source: a.cid, target: a.via, label: relationInWords(a.relation) })
  }
  for (const d of lineage.descendants) {
    asset(d.cid)
    edges.set(`${d.via}>${d.cid}`, { source: d.via, target: d.cid, label: relationInWords(d.relation) })
  }
  const model = statement?.generation?.model
  if (model) {
    const weights = model.weightsHash?.startsWith('baf') ? model.weightsHash : undefined
    const id = weights ?? `model:${model.name}@${model.version}`
    if (!nodes.has(id) || nodes.get(id)?.kind !== 'current') nodes.set(id, { id, label: `Model ${model.name} ${model.version}`, kind: 'model', cid: weights })
    edges.set(`${id}>${cid}`, { source: id, target: cid, label: 'generated' })
  }
  for (const d of statement?.datasets ?? []) {
    const dcid = 'cid' in d ? d.cid : undefined
    const id = 'cid' in d ? d.cid : `dataset:${d.id}`
    if (!nodes.has(id)) nodes.set(id, { id, label: `Dataset ${d.name ?? ('cid' in d ? shortCid(d.cid) : d.id)}`, kind: 'dataset', cid: dcid })
    edges.set(`${id}>${cid}`, { source: id, target: cid, label: 'trained on' })
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] }
}

type Cy = import('cytoscape').Core

/**
 * The interactive graph (pan, zoom, click a node to open it). Cytoscape is loaded here, on first
 * render of this component only, so no other page pays for it. The same links are listed as
 * plain links next to it for keyboard and screen-reader users.
 */
export function LineageGraph({ graph, onOpen }: { graph: { nodes: GraphNode[]; edges: GraphEdge[] }; onOpen: (cid: string) => void }) {
  const container = useRef<HTMLDivElement>(null)
  const cy = useRef<Cy | null>(null)
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading')

  useEffect(() => {
    let cancelled = false
    void import('cytoscape').then(
      ({ default: cytoscape }) => {
        if (cancelled || !container.current) return
        // Cytoscape adds a one-rule <style> unless an element with this id exists; the rule lives in
        // styles.css instead, so the page's CSP (no inline styles) is not violated.
        if (!document.getElementById('__________cytoscape_stylesheet')) {
          const marker = document.createElement('meta')
          marker.id = '__________cytoscape_stylesheet'
          document.head.append(marker)
        }
        const instance = cytoscape({
          container: container.current,
          elements: [
            ...graph.nodes.map((n) => ({ data: { id: n.id, label: n.label, cid: n.cid ?? '' }, classes: n.kind })),
            ...graph.edges.map((e) => ({ data: { id: `${e.source}>${e.target}`, source: e.source, target: e.target, label: e.label } })),
          ],
          layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.1, padding: 16 },
          wheelSensitivity: 0.3,
          minZoom: 0.2,
          maxZoom: 3,
          style: [
            {
              selector: 'node',
              style: {
                label: 'data(label)',
                'font-size': 11,
                'text-valign': 'bottom',
                'text-margin-y': 4,
                color: '#1a1a1a',
                'background-color': '#1f5fa8',
                width: 22,
                height: 22,
                'text-wrap': 'ellipsis',
                'text-max-width': '120px',
              },
            },
            { selector: 'node.current', style: { 'background-color': '#c0502b', width: 30, height: 30, 'font-weight': 'bold' } },
            { selector: 'node.model', style: { shape: 'round-rectangle', 'background-color': '#7b4ca0' } },
            { selector: 'node.dataset', style: { shape: 'barrel', 'background-color': '#2d7d46' } },
            {
              selector: 'edge',
              style: {
                width: 1.5,
                'line-color': '#6b7785',
                'target-arrow-color': '#6b7785',
                'target-arrow-shape': 'triangle',
                'curve-style': 'bezier',
                label: 'data(label)',
                'font-size': 9,
                color: '#4a5560',
                'text-background-color': '#ffffff',
                'text-background-opacity': 1,
                'text-background-padding': '2px',
              },
            },
          ],
        })
        instance.on('tap', 'node', (event) => {
          const target = event.target.data('cid') as string
          if (target) onOpen(target)
        })
        cy.current = instance
        // For tests and debugging: the instance, reachable from its element (not a global).
        ;(container.current as HTMLDivElement & { cy?: Cy }).cy = instance
        setState('ready')
      },
      () => {
        if (!cancelled) setState('error')
      },
    )
    return () => {
      cancelled = true
      cy.current?.destroy()
      cy.current = null
    }
  }, [graph])

  const zoom = (factor: number) => {
    const c = cy.current
    if (c) c.zoom({ level: c.zoom() * factor, renderedPosition: { x: c.width() / 2, y: c.height() / 2 } })
  }
  return (
    <div class="graph">
      <div class="graph-tools" role="toolbar" aria-label="Graph controls">
        <button type="button" onClick={() => zoom(1.25)} disabled={state !== 'ready'}>
          Zoom in
        </button>
        <button type="button" onClick={() => zoom(0.8)} disabled={state !== 'ready'}>
          Zoom out
        </button>
        <button type="button" onClick={() => cy.current?.fit(undefined, 16)} disabled={state !== 'ready'}>
          Fit
        </button>
      </div>
      <div class="graph-frame">
        {/* Cytoscape owns this element's children; messages sit beside it, never inside. */}
        <div ref={container} class="graph-canvas" id="lineage-graph" data-state={state} role="img" aria-label="Lineage graph: the list below has the same links" />
        {state === 'loading' ? <span class="graph-message muted">Loading the graph…</span> : null}
        {state === 'error' ? <span class="graph-message muted">The graph could not be loaded; use the list below.</span> : null}
      </div>
    </div>
  )
}

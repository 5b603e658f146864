import { useEffect, useState } from 'preact/hooks'

// A small history router: every page is a URL (shareable, reloadable, back/forward work).

type Listener = () => void
const listeners = new Set<Listener>()

let navigated = false

function notify(): void {
  navigated = true
  for (const l of listeners) l()
}

/** Whether the reader has moved within the app since it loaded (focus is managed only then). */
export function hasNavigated(): boolean {
  return navigated
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify)

/** Goes to an in-app URL; `replace` rewrites the current history entry (form state, filters). */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  const url = new URL(href, location.href)
  if (url.origin !== location.origin) {
    location.assign(url.href)
    return
  }
  const next = url.pathname + url.search + url.hash
  if (next === location.pathname + location.search + location.hash) return
  if (options.replace) history.replaceState(null, '', next)
  else history.pushState(null, '', next)
  if (!options.replace) window.scrollTo(0, 0)
  notify()
}

export type Location = { path: string; search: URLSearchParams; href: string }

function current(): Location {
  return { path: location.pathname, search: new URLSearchParams(location.search), href: location.pathname + location.search }
}

/** The current location; re-renders on navigation. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current)
  useEffect(() => {
    const l = () => setLoc(current())
    listeners.add(l)
    return () => {
      listeners.delete(l)
    }
  }, [])
  return loc
}

/**
 * Same-origin link clicks become history navigation (one listener for the whole document).
 * Modified clicks, downloads and links with a target keep the browser's behaviour.
 */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const a = (event.target as Element | null)?.closest?.('a')
    if (!a || a.target || a.hasAttribute('download') || a.dataset.native !== undefined) return
    const url = new URL(a.href, location.href)
    if (url.origin !== location.origin || url.pathname.startsWith('/v1/')) return
    event.preventDefault()
    navigate(url.href)
  })
}

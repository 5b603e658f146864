import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ErrorNotice } from './components/error-notice.js'
import { Loading } from './components/loading.js'
import { hasNavigated } from './router.js'

/**
 * A page loaded on first visit (its own chunk), so the first load carries only the landing page.
 * The placeholder keeps the page's heading and space while the chunk arrives.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>, title: string): ComponentType<P> {
  let cached: ComponentType<P> | undefined
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<ComponentType<P> | undefined>(() => cached)
    const [error, setError] = useState<unknown>(undefined)
    useEffect(() => {
      if (cached) return
      load().then(
        (c) => {
          cached = c
          setPage(() => c)
        },
        (e: unknown) => setError(e),
      )
    }, [])
    useEffect(() => {
      // The placeholder's heading had focus after a navigation; its replacement takes it over.
      if (Page && document.activeElement === document.body && hasNavigated()) document.getElementById('page-title')?.focus({ preventScroll: true })
    }, [Page])
    if (Page) return <Page {...props} />
    return (
      <section>
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {error ? <ErrorNotice error={error} title="This page could not be loaded (try reloading)" /> : <Loading height="20rem" />}
      </section>
    )
  }
}

import { useEffect, useRef, useState } from 'preact/hooks'

export type AsyncState<T> = { status: 'loading' } | { status: 'ok'; value: T } | { status: 'error'; error: unknown }

/**
 * Runs `load` when `deps` change, cancelling the previous run (its result is dropped and its
 * AbortSignal fired), and returns its state. `reload()` runs it again while the current value
 * stays on screen (a refresh after an action must not blank the section it happened in).
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' })
  const [tick, setTick] = useState(0)
  const refreshing = useRef(false)
  useEffect(() => {
    const controller = new AbortController()
    if (!refreshing.current) setState({ status: 'loading' })
    refreshing.current = false
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ status: 'ok', value })
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', error })
      },
    )
    return () => controller.abort()
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what load depends on
  }, [...deps, tick])
  return {
    ...state,
    reload: () => {
      refreshing.current = true
      setTick((t) => t + 1)
    },
  }
}

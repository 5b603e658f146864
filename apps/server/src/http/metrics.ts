/** A small Prometheus registry: request counters and latency histograms per route, plus gauges read at scrape time. */
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export function createMetrics() {
  const requests = new Map<string, number>()
  const histograms = new Map<string, { counts: number[]; sum: number; count: number }>()
  const gauges: { name: string; help: string; read: () => number | Promise<number> }[] = []
  let inFlight = 0
  const labelCache = new Map<string, { rk: string; hk: string }>()

  function count(rk: string, hk: string, seconds: number): void {
    requests.set(rk, (requests.get(rk) ?? 0) + 1)
    let h = histograms.get(hk)
    if (!h) histograms.set(hk, (h = { counts: buckets.map(() => 0), sum: 0, count: 0 }))
    // Cumulative buckets: every bound from the first one the value fits under.
    let i = 0
    while (i < buckets.length && seconds > (buckets[i] as number)) i++
    for (; i < buckets.length; i++) (h.counts[i] as number)++
    h.sum += seconds
    h.count++
  }

  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

  return {
    start(): void {
      inFlight++
    },
    observe(route: string, method: string, status: number, seconds: number): void {
      inFlight--
      // Label strings built once per (route, method, status): this runs on every request.
      const id = `${route} ${method} ${status}`
      let labels = labelCache.get(id)
      if (!labels) {
        labels = { rk: `route="${esc(route)}",method="${method}",status="${status}"`, hk: `route="${esc(route)}",method="${method}"` }
        if (labelCache.size < 10_000) labelCache.set(id, labels)
      }
      count(labels.rk, labels.hk, seconds)
    },
    /**
     * `observe` for one fixed (route, method, status), its labels resolved once (hot paths):
     * `series(...)(seconds)` counts one finished request.
     */
    series(route: string, method: string, status: number): (seconds: number) => void {
      const rk = `route="${esc(route)}",method="${method}",status="${status}"`
      const hk = `route="${esc(route)}",method="${method}"`
      return (seconds) => {
        inFlight--
        count(rk, hk, seconds)
      }
    },
    gauge(name: string, help: string, read: () => number | Promise<number>): void {
      gauges.push({ name, help, read })
    },
    inFlight: () => inFlight,
    async render(): Promise<string> {
      const out: string[] = []
      out.push('# HELP mintmark_http_requests_total HTTP requests by route, method and status.', '# TYPE mintmark_http_requests_total counter')
      for (const [k, v] of requests) out.push(`mintmark_http_requests_total{${k}} ${v}`)
      out.push('# HELP mintmark_http_request_duration_seconds HTTP request latency by route.', '# TYPE mintmark_http_request_duration_seconds histogram')
      for (const [k, h] of histograms) {
        buckets.forEach((b, i) => out.push(`mintmark_http_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`))
        out.push(`mintmark_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`)
        out.push(`mintmark_http_request_duration_seconds_sum{${k}} ${h.sum}`, `mintmark_http_request_duration_seconds_count{${k}} ${h.count}`)
      }
      out.push('# HELP mintmark_http_in_flight Requests being handled.', '# TYPE mintmark_http_in_flight gauge', `mintmark_http_in_flight ${inFlight}`)
      for (const g of gauges) {
        let v: number
        try {
          v = await g.read()
        } catch {
          continue
        }
        out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${v}`)
      }
      return `${out.join('\n')}\n`
    },
  }
}

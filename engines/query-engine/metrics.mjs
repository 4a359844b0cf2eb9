// The native engine's metrics, kept by the host (the wasm build has none): the same keys,
// JSON shape and Prometheus text as Prisma's engine, for the counters, gauges and
// histograms the host can observe.
const BUCKETS_MS = [0, 1, 5, 10, 50, 100, 500, 1000, 5000, 50000]

class Histogram {
  constructor() {
    this.sum = 0
    this.count = 0
    this.counts = BUCKETS_MS.map(() => 0)
  }

  observe(ms) {
    this.sum += ms
    this.count += 1
    const i = BUCKETS_MS.findIndex((max) => ms <= max)
    if (i >= 0) this.counts[i] += 1
  }

  json() {
    let cumulative = 0
    const buckets = BUCKETS_MS.map((max, i) => [max, (cumulative += this.counts[i])])
    return { sum: this.sum, count: this.count, buckets }
  }
}

const DESCRIPTIONS = {
  prisma_client_queries_total: 'Total number of Prisma Client queries executed',
  prisma_datasource_queries_total: 'Total number of Datasource Queries executed',
  prisma_pool_connections_closed_total: 'Total number of Pool Connections closed',
  prisma_pool_connections_opened_total: 'Total number of Pool Connections opened',
  prisma_client_queries_active: 'Number of currently active Prisma Client queries',
  prisma_client_queries_wait: 'Number of Prisma Client queries currently waiting for a connection',
  prisma_pool_connections_busy: 'Number of currently busy Pool Connections (executing a datasource query)',
  prisma_pool_connections_idle: 'Number of currently unused Pool Connections (waiting for the next datasource query)',
  prisma_pool_connections_open: 'Number of currently open Pool Connections',
  prisma_client_queries_duration_histogram_ms: 'Histogram of the duration of all executed Prisma Client queries in ms',
  prisma_client_queries_wait_histogram_ms: 'Histogram of the wait time of all Prisma Client Queries in ms',
  prisma_datasource_queries_duration_histogram_ms: 'Histogram of the duration of all executed Datasource Queries in ms',
  domainlayer_translation_duration_histogram_ms: 'Host only: GraphQL parsing, JSON-protocol translation and result untagging per query, in ms',
  domainlayer_engine_duration_histogram_ms: 'Host only: time inside the wasm engine per query (driver included), in ms',
}

export class Metrics {
  /** `pool()` gives the pg pool in use; `watch(pool)` counts the connections of a new one. */
  constructor(pool = () => undefined) {
    this.currentPool = pool
    this.counters = { prisma_client_queries_total: 0, prisma_datasource_queries_total: 0, prisma_pool_connections_closed_total: 0, prisma_pool_connections_opened_total: 0 }
    this.active = 0
    this.histograms = {
      prisma_client_queries_duration_histogram_ms: new Histogram(),
      prisma_client_queries_wait_histogram_ms: new Histogram(),
      prisma_datasource_queries_duration_histogram_ms: new Histogram(),
      domainlayer_translation_duration_histogram_ms: new Histogram(),
      domainlayer_engine_duration_histogram_ms: new Histogram(),
    }
  }

  watch(pool) {
    pool.on('connect', () => (this.counters.prisma_pool_connections_opened_total += 1))
    pool.on('remove', () => (this.counters.prisma_pool_connections_closed_total += 1))
  }

  /** Time one client query (`run` returns a promise; `timing` its phases, see server.mjs). */
  async track(run, timing) {
    this.active += 1
    const started = performance.now()
    try {
      return await run()
    } finally {
      this.active -= 1
      this.counters.prisma_client_queries_total += 1
      this.histograms.prisma_client_queries_duration_histogram_ms.observe(performance.now() - started)
      if (timing !== undefined) {
        this.histograms.domainlayer_translation_duration_histogram_ms.observe(timing.translate + timing.results)
        this.histograms.domainlayer_engine_duration_histogram_ms.observe(timing.engine)
      }
    }
  }

  datasourceQuery(ms) {
    this.counters.prisma_datasource_queries_total += 1
    this.histograms.prisma_datasource_queries_duration_histogram_ms.observe(ms)
  }

  json(globalLabels = {}) {
    const metric = (key, value) => ({ key, labels: { ...globalLabels }, description: DESCRIPTIONS[key], value })
    const { totalCount = 0, idleCount = 0, waitingCount = 0 } = this.currentPool() ?? {}
    return {
      counters: Object.entries(this.counters).map(([k, v]) => metric(k, v)),
      gauges: [
        metric('prisma_client_queries_active', this.active),
        metric('prisma_client_queries_wait', waitingCount),
        metric('prisma_pool_connections_busy', totalCount - idleCount),
        metric('prisma_pool_connections_idle', idleCount),
        metric('prisma_pool_connections_open', totalCount),
      ],
      histograms: Object.entries(this.histograms).map(([k, h]) => metric(k, h.json())),
    }
  }

  prometheus(globalLabels = {}) {
    const labels = (extra = {}) => {
      const all = { ...globalLabels, ...extra }
      const text = Object.entries(all).map(([k, v]) => `${k}="${String(v).replaceAll('"', '\\"')}"`).join(',')
      return text ? `{${text}}` : ''
    }
    const data = this.json(globalLabels)
    const lines = []
    for (const m of data.counters) lines.push(`# HELP ${m.key} ${m.description}`, `# TYPE ${m.key} counter`, `${m.key}${labels()} ${m.value}`, '')
    for (const m of data.gauges) lines.push(`# HELP ${m.key} ${m.description}`, `# TYPE ${m.key} gauge`, `${m.key}${labels()} ${m.value}`, '')
    for (const m of data.histograms) {
      lines.push(`# HELP ${m.key} ${m.description}`, `# TYPE ${m.key} histogram`)
      for (const [le, count] of m.value.buckets) lines.push(`${m.key}_bucket${labels({ le })} ${count}`)
      lines.push(`${m.key}_bucket${labels({ le: '+Inf' })} ${m.value.count}`)
      lines.push(`${m.key}_sum${labels()} ${m.value.sum}`, `${m.key}_count${labels()} ${m.value.count}`, '')
    }
    return lines.join('\n')
  }
}

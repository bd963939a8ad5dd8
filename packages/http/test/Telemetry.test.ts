/**
 * Telemetry as a user exports it: `@effect/opentelemetry`'s OTLP exporter (JSON over HTTP) to an
 * in-process collector, a refund over the real HTTP transport against the sandbox server. The
 * spans chain program → attempt → HTTP request; the metric points carry the documented names
 * and attributes; and nothing received holds the client key or a request's signature.
 */
import { Metrics, refund } from "@effect-qfpay/core"
import { Behaviour, Simulator } from "@effect-qfpay/testing"
import * as Otlp from "@effect/opentelemetry/Otlp"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Http from "node:http"
import { bothTransports, overHttp } from "./support.js"

interface Received {
  readonly path: string
  readonly body: string
}

// An OTLP/HTTP endpoint on loopback that keeps every body POSTed to it.
const collector = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly received: Array<Received>; readonly server: Http.Server }>(
    (resume) => {
      const received: Array<Received> = []
      const server = Http.createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          received.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("utf8") })
          response.writeHead(200, { "content-type": "application/json" }).end("{}")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address() as { readonly port: number }
        resume(Effect.succeed({ url: `http://127.0.0.1:${address.port}`, received, server }))
      })
    }
  ),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

interface Attribute {
  readonly key: string
  readonly value: { readonly stringValue?: string; readonly intValue?: number | string }
}

interface Span {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly attributes: ReadonlyArray<Attribute>
}

interface Point {
  readonly attributes: ReadonlyArray<Attribute>
}

interface MetricData {
  readonly name: string
  readonly unit?: string
  readonly sum?: { readonly dataPoints: ReadonlyArray<Point> }
  readonly gauge?: { readonly dataPoints: ReadonlyArray<Point> }
  readonly histogram?: { readonly dataPoints: ReadonlyArray<Point> }
}

const spansOf = (received: ReadonlyArray<Received>): ReadonlyArray<Span> =>
  received.filter((r) => r.path === "/v1/traces").flatMap((r) =>
    (JSON.parse(r.body) as {
      resourceSpans: ReadonlyArray<{ scopeSpans: ReadonlyArray<{ spans: ReadonlyArray<Span> }> }>
    })
      .resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
  )

// The last export of each metric (exports are cumulative).
const metricsOf = (received: ReadonlyArray<Received>): ReadonlyMap<string, MetricData> => {
  const out = new Map<string, MetricData>()
  for (const r of received.filter((r) => r.path === "/v1/metrics")) {
    const body = JSON.parse(r.body) as {
      resourceMetrics: ReadonlyArray<{ scopeMetrics: ReadonlyArray<{ metrics: ReadonlyArray<MetricData> }> }>
    }
    for (const metric of body.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))) {
      out.set(metric.name, metric)
    }
  }
  return out
}

const attributes = (attrs: ReadonlyArray<Attribute>): Record<string, string> =>
  Object.fromEntries(attrs.map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue)]))

const pointsOf = (metric: MetricData | undefined) =>
  (metric?.sum ?? metric?.gauge ?? metric?.histogram)?.dataPoints.map((p) => attributes(p.attributes)) ?? []

describe.each(bothTransports)("telemetry over OTLP, %s", (transport) => {
  it.live("spans chain program → attempt → HTTP request; metrics as documented; no key, no signature", () =>
    Effect.scoped(Effect.gen(function*() {
      const otlp = yield* collector
      const sim = yield* Simulator.Simulator
      // Answered "in progress", settled at the first poll: a send, an enquiry, a time to settle.
      yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ code: "1145", afterEnquiries: 1 })))
      const payment = yield* sim.createPayment({ txamt: 1000 })
      yield* refund({ syssn: payment.syssn, txamt: 400 }).pipe(
        Effect.provide(
          Otlp.layerJson({ baseUrl: otlp.url, resource: { serviceName: "effect-qfpay-test" } }).pipe(
            Layer.provide(NodeHttpClient.layerUndici)
          )
        )
      )
      // The exporter's layer is closed: everything was flushed.

      const spans = spansOf(otlp.received)
      const program = spans.find((s) => s.name === "QFPay.refund")!
      expect(program).toBeDefined()
      const attempt = spans.find((s) => s.name === "QFPay.attempt")!
      expect(attempt.parentSpanId).toBe(program.spanId)
      expect(attempt.traceId).toBe(program.traceId)
      expect(attributes(attempt.attributes)).toMatchObject({
        [Metrics.KIND]: "refund",
        "qfpay.attempt": "1",
        "qfpay.respcd": "1145"
      })
      const sent = spans.filter((s) => s.name.startsWith("http.client") && s.parentSpanId === attempt.spanId)
      expect(sent).toHaveLength(1)
      const enquiry = spans.find((s) => s.name === "QFPay.enquiry")!
      expect(enquiry.parentSpanId).toBe(program.spanId)
      expect(attributes(enquiry.attributes)).toMatchObject({
        [Metrics.KIND]: "refund",
        [Metrics.PHASE]: "poll",
        "qfpay.found": "settled"
      })
      expect(spans.filter((s) => s.name.startsWith("http.client") && s.parentSpanId === enquiry.spanId))
        .toHaveLength(1)

      const metrics = metricsOf(otlp.received)
      expect(pointsOf(metrics.get("qfpay.operations"))).toContainEqual({
        [Metrics.KIND]: "refund",
        [Metrics.OUTCOME]: "succeeded"
      })
      expect(pointsOf(metrics.get("qfpay.enquiries"))).toContainEqual({
        [Metrics.KIND]: "refund",
        [Metrics.PHASE]: "poll"
      })
      expect(pointsOf(metrics.get("qfpay.pending"))).toContainEqual({ [Metrics.KIND]: "refund" })
      expect(metrics.get("qfpay.settle_duration")?.unit).toBe("s")
      expect(pointsOf(metrics.get("qfpay.settle_duration"))).toContainEqual({
        [Metrics.KIND]: "refund",
        [Metrics.OUTCOME]: "succeeded",
        unit: "s"
      })

      // Nothing received carries the client key or a signature.
      const text = otlp.received.map((r) => r.body).join("\n")
      expect(text).not.toContain(sim.credential.clientKey)
      const signatures = (yield* sim.requestLog).map((e) => e.signature).filter((s) => s !== undefined)
      expect(signatures.length).toBeGreaterThanOrEqual(2)
      for (const signature of signatures) expect(text).not.toContain(signature)
    })).pipe(Effect.provide(overHttp(transport))))
})

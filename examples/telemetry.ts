/**
 * Spans and metrics exported with `@effect/opentelemetry`'s OTLP exporter (over `HttpClient`,
 * no OpenTelemetry SDK): a refund's span `QFPay.refund`, a `QFPay.attempt` per send and a
 * `QFPay.enquiry` per enquiry under it, each the parent of its HTTP request's span; and the
 * `qfpay.*` metrics of `Metrics` (operations by kind and outcome, retries, enquiries, operations
 * being polled, time to settle), tagged with this service's own labels.
 *
 * OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318: a collector, Jaeger, Grafana
 * Alloy…), and QFPAY_* variables for the credentials as in `node-transport.ts`.
 */
import { Metrics, refund } from "@effect-qfpay/core"
import { NodeTransport } from "@effect-qfpay/http"
import * as Otlp from "@effect/opentelemetry/Otlp"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer, Metric } from "effect"

// QFPAY_APP_CODE, QFPAY_CLIENT_KEY, QFPAY_ENV (production | test | sandbox | a URL)
const QFPay = NodeTransport.layerConfig()

// JSON over HTTP (`Otlp.layerProtobuf` for protobuf). The exporter's own requests are not traced,
// and everything still buffered is sent when the layer closes.
const Telemetry = Otlp.layerJson({
  baseUrl: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318",
  resource: { serviceName: "refunds", serviceVersion: "1.0.0" },
  metricsExportInterval: "10 seconds"
}).pipe(Layer.provide(NodeHttpClient.layerUndici))

const refunded = Metrics.operations.pipe(
  Metric.tagged(Metrics.KIND, "refund"),
  Metric.tagged(Metrics.OUTCOME, "succeeded")
)

const program = Effect.gen(function*() {
  const receipt = yield* refund({ syssn: "20191227000200020061752831", txamt: 500 })
  yield* Console.log(`Refunded ${receipt.txamt} cents: refund ${receipt.syssn}`)
  // The same numbers the exporter sends, read in process.
  const { count } = yield* Metric.value(refunded)
  yield* Console.log(`Refunds succeeded in this process: ${count}`)
}).pipe(
  // Your own span and labels: the library's spans go under it, its metrics carry the labels.
  Effect.withSpan("refund-order", { attributes: { "order.id": "ORDER-42" } }),
  Effect.tagMetrics("service.instance", "refunds-1")
)

NodeRuntime.runMain(program.pipe(Effect.provide(QFPay), Effect.provide(Telemetry)))

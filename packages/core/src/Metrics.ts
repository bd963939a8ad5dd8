/**
 * The library's metrics, as `effect/Metric` definitions. The programs update them; an exporter
 * that reads Effect's metric registry sends them on (`@effect/opentelemetry`'s OTLP exporter,
 * for one: see `examples/telemetry.ts`), and a program can read them itself with
 * `Metric.value` or `Metric.snapshot`.
 *
 * | metric | kind | attributes | what it counts |
 * |---|---|---|---|
 * | `qfpay.operations` | counter | `qfpay.kind`, `qfpay.outcome` | operations ended, by kind and outcome |
 * | `qfpay.retries` | counter | `qfpay.kind` | sends of an operation after its first in one run (after a "try again" code, a 429 or a lost answer; a resubmission after a lookup found nothing) |
 * | `qfpay.enquiries` | counter | `qfpay.kind`, `qfpay.phase` | enquiries about an operation: lookups (`reconcile`), checks after a reversal or close (`confirm`), polls (`poll`); a batched poll counts one per operation it asks about |
 * | `qfpay.pending` | gauge | `qfpay.kind` | operations being polled now (inline or by `PollScheduler`): up when an operation answered "in progress" starts being polled, down when it ends, however it ends |
 * | `qfpay.settle_duration` | histogram, seconds | `qfpay.kind`, `qfpay.outcome`, `unit` | from the operation's first send (its handle's `submitted_at`: a resumed operation counts from its first send in an earlier run) to QFPay's final answer (`succeeded` or `rejected`) |
 *
 * Attribute values:
 * - `qfpay.kind`: `refund`, `reversal`, `close`; `cancel` for a `cancel` whose pay type chose no
 *   operation, `undo` for an `undo` that chose none (nothing to undo, bad input, the payment not
 *   found);
 * - `qfpay.outcome`: `succeeded` (a receipt), `nothing_to_undo` (an `undo` with nothing to do),
 *   `invalid` (bad input: nothing sent), otherwise the error's tag in snake case: `rejected`,
 *   `still_pending`, `outcome_unknown`, `idempotency_key_reused`, `transport_error`,
 *   `rate_limited`, `unexpected_response`, `signature_mismatch`, `transaction_not_found`;
 *   `interrupted`, `defect`;
 * - `qfpay.phase`: `reconcile`, `confirm`, `poll`;
 * - `unit`: `s` (where Effect's OTLP exporter reads a metric's unit from).
 *
 * Which calls count: `refund`, `reverse`, `close`, `cancel`, `undo` (under the operation it
 * chose), `reconcile` and `pollUntilSettled` one operation each, `PollScheduler.track` one per
 * handle. `query`, `stream` and `findPayment` are enquiries of your own: not counted. The fiber's
 * metric labels (`Effect.tagMetrics`) are added to every update. To read a value:
 *
 * ```ts
 * import { Metrics } from "@effect-qfpay/core"
 * import { Metric } from "effect"
 *
 * const refunded = Metric.value(
 *   Metrics.operations.pipe(Metric.tagged("qfpay.kind", "refund"), Metric.tagged("qfpay.outcome", "succeeded"))
 * )
 * ```
 *
 * Spans, under a tracer of your own (tracing off or Effect's built-in tracer: none), use the
 * same words: each program has one (`QFPay.refund`, `QFPay.reverse`, `QFPay.close`,
 * `QFPay.cancel`, `QFPay.undo`, `QFPay.query`, `QFPay.reconcile`); under it each send is a span
 * `QFPay.attempt` (`qfpay.kind`, `qfpay.attempt`, `qfpay.respcd`) and each enquiry a span
 * `QFPay.enquiry` (`qfpay.kind`, `qfpay.phase`, `qfpay.found`, `qfpay.respcd`), the parent of
 * the transport's HTTP span (`http.client POST`). A batched poll is one `QFPay.enquiry` span
 * (`qfpay.phase` = `poll`, `qfpay.batch_size`) under the scheduler's fiber. No span carries a
 * request's parameters, its signature or the client key.
 *
 * @since 0.3.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricKey from "effect/MetricKey"

/**
 * The attribute naming the kind of operation.
 *
 * @since 0.3.0
 * @category attributes
 */
export const KIND = "qfpay.kind"

/**
 * The attribute naming how an operation ended.
 *
 * @since 0.3.0
 * @category attributes
 */
export const OUTCOME = "qfpay.outcome"

/**
 * The attribute naming why an enquiry was made.
 *
 * @since 0.3.0
 * @category attributes
 */
export const PHASE = "qfpay.phase"

/**
 * @since 0.3.0
 * @category models
 */
export type Kind = "refund" | "reversal" | "close" | "cancel" | "undo"

/**
 * @since 0.3.0
 * @category models
 */
export type Outcome =
  | "succeeded"
  | "nothing_to_undo"
  | "invalid"
  | "rejected"
  | "still_pending"
  | "outcome_unknown"
  | "idempotency_key_reused"
  | "transport_error"
  | "rate_limited"
  | "unexpected_response"
  | "signature_mismatch"
  | "transaction_not_found"
  | "interrupted"
  | "defect"

/**
 * @since 0.3.0
 * @category models
 */
export type Phase = "reconcile" | "confirm" | "poll"

/**
 * Operations ended, by `qfpay.kind` and `qfpay.outcome`.
 *
 * @since 0.3.0
 * @category metrics
 */
export const operations: Metric.Metric.Counter<number> = Metric.counter("qfpay.operations", {
  description: "QFPay operations ended, by kind (qfpay.kind) and outcome (qfpay.outcome)",
  incremental: true
})

/**
 * Sends of an operation after its first in the same run, by `qfpay.kind`.
 *
 * @since 0.3.0
 * @category metrics
 */
export const retries: Metric.Metric.Counter<number> = Metric.counter("qfpay.retries", {
  description: "QFPay requests sent again with the same identifiers (retries, resubmissions), by qfpay.kind",
  incremental: true
})

/**
 * Enquiries made about operations, by `qfpay.kind` and `qfpay.phase`.
 *
 * @since 0.3.0
 * @category metrics
 */
export const enquiries: Metric.Metric.Counter<number> = Metric.counter("qfpay.enquiries", {
  description: "QFPay transaction enquiries made about an operation, by qfpay.kind and qfpay.phase",
  incremental: true
})

/**
 * Operations being polled now, by `qfpay.kind`.
 *
 * @since 0.3.0
 * @category metrics
 */
export const pending: Metric.Metric.Gauge<number> = Metric.gauge("qfpay.pending", {
  description: "QFPay operations in progress being polled now, by qfpay.kind"
})

/**
 * The buckets of {@link settleDuration}, in seconds: an answer settles in well under a second,
 * polling takes seconds to minutes (the default poll deadline is 2 minutes), and a resumed
 * operation may count from hours before.
 *
 * @since 0.3.0
 * @category constants
 */
export const settleDurationBoundaries: MetricBoundaries.MetricBoundaries = MetricBoundaries.fromIterable([
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
  900,
  3600
])

/**
 * Seconds from an operation's first send to QFPay's final answer, by `qfpay.kind` and
 * `qfpay.outcome` (`succeeded` or `rejected`). Its key carries `unit` = `s`, the label Effect's
 * OTLP exporter reads a metric's unit from.
 *
 * @since 0.3.0
 * @category metrics
 */
export const settleDuration: Metric.Metric.Histogram<number> = Metric.fromMetricKey(
  MetricKey.histogram(
    "qfpay.settle_duration",
    settleDurationBoundaries,
    "Seconds from a QFPay operation's first send to its final answer, by qfpay.kind and qfpay.outcome"
  ).pipe(MetricKey.tagged("unit", "s"))
)

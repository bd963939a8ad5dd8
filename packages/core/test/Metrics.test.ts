/**
 * The metrics of `Metrics.ts`, as the programs update them against the simulator: operations by
 * kind and outcome, retries, enquiries by phase, operations being polled (back to zero however
 * they end) and the time to settle. Each test tags its fiber's metrics with an id of its own, and
 * reads only those points: the registry is the process's.
 */
import { cancel, Metrics, OperationObserver, PollPolicy, PollScheduler, refund, undo } from "@effect-qfpay/core"
import { Behaviour, FaultPlan } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric, MetricState, Stream } from "effect"
import { scenario, sim } from "./support/scenario.js"

let nextId = 0

// The points of metric `name` whose attributes include `attributes` and this test's id.
const points = (id: string, name: string, attributes: Readonly<Record<string, string>>) =>
  Effect.map(
    Metric.snapshot,
    (pairs) =>
      pairs.filter((pair) => {
        if (pair.metricKey.name !== name) return false
        const tags = new Map(pair.metricKey.tags.map((t) => [t.key, t.value]))
        return tags.get("test") === id && Object.entries(attributes).every(([k, v]) => tags.get(k) === v)
      }).map((pair) => pair.metricState)
  )

const count = (id: string, name: string, attributes: Readonly<Record<string, string>>) =>
  Effect.map(points(id, name, attributes), (states) =>
    states.reduce((sum, state) => {
      if (MetricState.isCounterState(state)) return sum + Number(state.count)
      if (MetricState.isGaugeState(state)) return sum + Number(state.value)
      if (MetricState.isHistogramState(state)) return sum + state.count
      return sum
    }, 0))

// Runs `body` with its metrics tagged `test` = a fresh id, which it receives.
const tagged = <A, E, R>(body: (id: string) => Effect.Effect<A, E, R>) => {
  const id = `metrics-${++nextId}`
  return Effect.tagMetrics(body(id), "test", id)
}

// The most operations seen being polled, read by an observer at every state.
const watchPending = (id: string) => {
  let most = 0
  const observer = OperationObserver.make(() =>
    Effect.map(count(id, "qfpay.pending", {}), (n) => {
      most = Math.max(most, n)
    })
  )
  return { observer, most: () => most }
}

describe("Metrics", () => {
  it.effect("a refund settled by its answer: one operation succeeded, its time to settle, nothing else", () =>
    scenario(tagged((id) =>
      Effect.gen(function*() {
        const p = yield* (yield* sim).createPayment({ txamt: 1000 })
        yield* refund({ syssn: p.syssn, txamt: 400 })
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "succeeded" })).toBe(1)
        expect(yield* count(id, "qfpay.operations", {})).toBe(1)
        // As the module's documentation reads it.
        const refunded = yield* Metric.value(
          Metrics.operations.pipe(Metric.tagged(Metrics.KIND, "refund"), Metric.tagged(Metrics.OUTCOME, "succeeded"))
        )
        expect(refunded.count).toBe(1)
        expect(yield* count(id, "qfpay.settle_duration", { "qfpay.kind": "refund", unit: "s" })).toBe(1)
        expect(yield* count(id, "qfpay.retries", {})).toBe(0)
        expect(yield* count(id, "qfpay.enquiries", {})).toBe(0)
        expect(yield* count(id, "qfpay.pending", {})).toBe(0)
      })
    )))

  it.effect("input refused before anything is sent: invalid, under the operation's kind (cancel before routing)", () =>
    scenario(tagged((id) =>
      Effect.gen(function*() {
        yield* Effect.flip(refund({ syssn: "20191227000200020061752831", txamt: 0 }))
        yield* Effect.flip(
          cancel({ syssn: "20191227000200020061752831", txamt: 100, txdtm: "2019-12-27 10:39:39", pay_type: "999999" })
        )
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "invalid" })).toBe(1)
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "cancel", "qfpay.outcome": "invalid" })).toBe(1)
        expect(yield* count(id, "qfpay.operations", {})).toBe(2)
      })
    )))

  it.effect("lost requests: retries counted; a lost answer's lookup as a reconcile enquiry", () =>
    scenario(tagged((id) =>
      Effect.gen(function*() {
        const s = yield* sim
        const p = yield* s.createPayment({ txamt: 1000 })
        yield* s.addFaults({ operation: "refund", fault: FaultPlan.lostBefore, times: 2 })
        yield* refund({ syssn: p.syssn, txamt: 400 })
        expect(yield* count(id, "qfpay.retries", { "qfpay.kind": "refund" })).toBe(2)
        yield* s.addFaults({ operation: "refund", fault: FaultPlan.lostAfter })
        yield* refund({ syssn: p.syssn, txamt: 400 })
        expect(yield* count(id, "qfpay.retries", { "qfpay.kind": "refund" })).toBe(2)
        expect(yield* count(id, "qfpay.enquiries", { "qfpay.kind": "refund", "qfpay.phase": "reconcile" })).toBe(1)
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "succeeded" })).toBe(2)
      })
    )))

  it.effect("polled inline: pending while polled, back to zero after; one poll enquiry each", () =>
    scenario(tagged((id) =>
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 2 })))
        const p = yield* s.createPayment({ txamt: 1000 })
        const watch = watchPending(id)
        yield* refund({ syssn: p.syssn, txamt: 400 }).pipe(
          Effect.provideService(OperationObserver.OperationObserver, watch.observer)
        )
        expect(watch.most()).toBe(1)
        expect(yield* count(id, "qfpay.pending", { "qfpay.kind": "refund" })).toBe(0)
        expect(yield* count(id, "qfpay.enquiries", { "qfpay.kind": "refund", "qfpay.phase": "poll" })).toBe(2)
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "succeeded" })).toBe(1)
      })
    )))

  it.effect("polled by the batching scheduler, and tracked: the same counts", () =>
    scenario(tagged((id) =>
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 2 })))
        const payments = yield* Effect.forEach([1, 2, 3], () => s.createPayment({ txamt: 1000 }))
        const watch = watchPending(id)
        const handles = yield* Effect.forEach(
          payments,
          (p) =>
            Effect.map(
              Effect.flip(refund({ syssn: p.syssn, txamt: 400 }, { poll: PollPolicy.make({ deadline: "1 second" }) })),
              (e) => e._tag === "StillPending" ? e.handle : undefined
            ),
          { concurrency: "unbounded" }
        ).pipe(Effect.provideService(OperationObserver.OperationObserver, watch.observer))
        expect(handles.every((h) => h !== undefined)).toBe(true)
        expect(watch.most()).toBe(3)
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "still_pending" }))
          .toBe(3)
        expect(yield* count(id, "qfpay.pending", {})).toBe(0)
        const settled = yield* PollScheduler.track(handles.map((h) => h!)).pipe(Stream.runCollect)
        expect(settled.length).toBe(3)
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "succeeded" })).toBe(3)
        expect(yield* count(id, "qfpay.enquiries", { "qfpay.kind": "refund", "qfpay.phase": "poll" })).toBe(6)
        expect(yield* count(id, "qfpay.pending", {})).toBe(0)
      }).pipe(Effect.provide(PollScheduler.layer()))
    )))

  for (
    const [name, poller] of [
      ["interrupted while polled: counted interrupted, no longer pending", Layer.empty],
      ["interrupted while the batching scheduler polls it: the same", PollScheduler.layer()]
    ] as const
  ) {
    it.effect(name, () =>
      scenario(tagged((id) =>
        Effect.gen(function*() {
          const s = yield* sim
          yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1, never: true })))
          const p = yield* s.createPayment({ txamt: 1000 })
          const fiber = yield* Effect.fork(refund({ syssn: p.syssn, txamt: 400 }))
          yield* Effect.sleep("5 seconds")
          expect(yield* count(id, "qfpay.pending", { "qfpay.kind": "refund" })).toBe(1)
          yield* Fiber.interrupt(fiber)
          expect(yield* count(id, "qfpay.pending", { "qfpay.kind": "refund" })).toBe(0)
          expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "interrupted" }))
            .toBe(1)
        }).pipe(Effect.provide(poller))
      )))
  }

  it.effect("undo: under the operation it chose, or as undo when it had nothing to do", () =>
    scenario(tagged((id) =>
      Effect.gen(function*() {
        const p = yield* (yield* sim).createPayment({ txamt: 1000 })
        yield* undo({ syssn: p.syssn })
        yield* undo({ syssn: p.syssn })
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "refund", "qfpay.outcome": "succeeded" })).toBe(1)
        expect(yield* count(id, "qfpay.operations", { "qfpay.kind": "undo", "qfpay.outcome": "nothing_to_undo" }))
          .toBe(1)
        expect(yield* count(id, "qfpay.operations", {})).toBe(2)
      })
    )))
})

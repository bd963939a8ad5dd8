/**
 * The batching scheduler's enquiry slots (each takes the next batch from the heap when free) on
 * virtual time: one kind of record never starves the other, a slow enquiry or a dying progress
 * hook holds up nothing else, a record whose caller left is not asked for, and batches stay whole
 * when observers yield.
 */
import { OperationObserver, PollPolicy, PollProgress, PollScheduler, refund, reverse } from "@effect-qfpay/core"
import { Behaviour, FaultPlan } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Exit, Fiber, Schedule, Stream } from "effect"
import { failure, requests, scenario, sim, stillPending } from "./support/scenario.js"

const now = Effect.clockWith((clock) => clock.currentTimeMillis)

const idsOf = (q: { readonly params: Readonly<Record<string, string>> }) =>
  (q.params.out_trade_no ?? q.params.syssn ?? "").split(",")

describe("PollScheduler slots", () => {
  it.effect("a cancellation is not starved by refunds that keep falling due: it keeps its own deadline", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
        // Every enquiry takes 1 s: three batches of refunds take 3 s, longer than their 2 s poll
        // interval, so some refund is always due.
        yield* s.addFaults({ operation: "query", fault: FaultPlan.latency(1000), times: 10_000 })
        const refundPolicy = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), {
          firstDelay: "3 seconds",
          deadline: "60 seconds"
        })
        const cancelPolicy = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), {
          firstDelay: "3 seconds",
          deadline: "10 seconds"
        })
        const payments = yield* Effect.forEach(Array.from({ length: 30 }), () => s.createPayment({ txamt: 1000 }))
        const unpaid = yield* s.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
        const start = yield* now
        const refunds = yield* Effect.forEach(
          payments,
          (p) => Effect.fork(Effect.exit(refund({ syssn: p.syssn, txamt: 1 }, { poll: refundPolicy })))
        )
        const cancellation = yield* reverse({ syssn: unpaid.syssn, txamt: 500, txdtm: unpaid.txdtm }, {
          poll: cancelPolicy
        }).pipe(Effect.exit)
        const endedAt = (yield* now) - start
        yield* Fiber.joinAll(refunds)
        const error = failure(cancellation)
        // Its deadline is 10 s: StillPending soon after, having been asked for a few times.
        expect(error._tag).toBe("StillPending")
        expect(endedAt).toBeLessThan(20_000)
        if (error._tag === "StillPending") expect(error.attempts).toBeGreaterThanOrEqual(2)
      }).pipe(Effect.provide(PollScheduler.layer({ maxBatch: 10, concurrency: 1 })))
    ))

  it.effect("a record whose caller stopped waiting while it sat in a buffer is not enquired", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
        // The first enquiry (a full batch of refunds) takes 10 s; the cancellation taken with it
        // waits in its buffer meanwhile.
        const payments = yield* Effect.forEach(Array.from({ length: 10 }), () => s.createPayment({ txamt: 1000 }))
        const unpaid = yield* s.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
        const policy = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), {
          firstDelay: "3 seconds",
          deadline: "30 seconds"
        })
        yield* s.addFaults({ operation: "query", fault: FaultPlan.latency(10_000), times: 1 })
        // The cancellation falls due first, the refunds 10 ms later: it is taken (into its buffer),
        // then the refunds fill a batch, which goes out.
        const cancellation = yield* Effect.fork(reverse({ syssn: unpaid.syssn, txamt: 500, txdtm: unpaid.txdtm }, {
          poll: policy
        }))
        yield* Effect.sleep("10 millis")
        const refunds = yield* Effect.forEach(
          payments,
          (p) => Effect.fork(Effect.exit(refund({ syssn: p.syssn, txamt: 1 }, { poll: policy })))
        )
        // At 3 s both are taken; the refunds' enquiry answers at 13 s. Stop waiting at 5 s.
        yield* Effect.sleep("5 seconds")
        yield* Fiber.interrupt(cancellation)
        const stoppedAt = yield* now
        yield* Fiber.joinAll(refunds)
        const log = yield* requests("query")
        const late = log.filter((q) => q.params.syssn === unpaid.syssn && q.at >= stoppedAt)
        expect(late).toHaveLength(0)
      }).pipe(Effect.provide(PollScheduler.layer({ maxBatch: 10, concurrency: 1 })))
    ))

  it.effect("a slow enquiry holds up its own records only: records falling due while it is out are asked for", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1 })))
        // The first enquiry takes 20 s to answer; the rest answer at once.
        yield* s.addFaults({ operation: "query", fault: FaultPlan.latency(20_000), times: 1 })
        const policy = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), {
          firstDelay: "3 seconds",
          deadline: "60 seconds"
        })
        const first = yield* Effect.forEach(Array.from({ length: 10 }), () => s.createPayment({ txamt: 1000 }))
        const later = yield* Effect.forEach(Array.from({ length: 10 }), () => s.createPayment({ txamt: 1000 }))
        const start = yield* now
        const slow = yield* Effect.fork(
          Effect.forEach(first, (p) => refund({ syssn: p.syssn, txamt: 1 }, { poll: policy }), {
            concurrency: "unbounded"
          })
        )
        // Submitted at 5 s, due at 8 s: the slow enquiry (out from 3 s to 23 s) has one slot, the
        // other is free.
        yield* Effect.sleep("5 seconds")
        yield* Effect.forEach(later, (p) => refund({ syssn: p.syssn, txamt: 1 }, { poll: policy }), {
          concurrency: "unbounded"
        })
        const laterDoneAt = (yield* now) - start
        yield* Fiber.join(slow)
        expect(laterDoneAt).toBeLessThan(12_000)
      }).pipe(Effect.provide(PollScheduler.layer({ maxBatch: 10, concurrency: 2 })))
    ))

  it.effect("a progress hook that dies does not stop the scheduler: every waiter still ends", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })))
        const payments = yield* Effect.forEach(Array.from({ length: 5 }), () => s.createPayment({ txamt: 1000 }))
        let calls = 0
        const progress: PollProgress.Service = {
          onEnquiry: () => Effect.suspend(() => ++calls === 1 ? Effect.die("progress display broke") : Effect.void)
        }
        const exits = yield* Effect.forEach(
          payments,
          (p) => Effect.exit(refund({ syssn: p.syssn, txamt: 1 })),
          { concurrency: "unbounded" }
        ).pipe(
          Effect.provideService(PollProgress.PollProgress, progress),
          Effect.timeout("10 minutes")
        )
        // They end (settled, or failed with the defect), rather than wait forever.
        expect(exits).toHaveLength(5)
      }).pipe(Effect.provide(PollScheduler.layer()))
    ))

  it.effect("an observer that yields does not split a batch into several enquiries", () =>
    scenario(Effect.gen(function*() {
      const handles = yield* stillPending(100)
      yield* Effect.sleep("10 seconds")
      const before = (yield* requests("query")).length
      const observer = OperationObserver.make(() => Effect.yieldNow())
      const settled = yield* Stream.runCollect(PollScheduler.track(handles)).pipe(
        Effect.provide(PollScheduler.layer({ maxBatch: 100, concurrency: 4 })),
        Effect.provideService(OperationObserver.OperationObserver, observer)
      )
      expect(Chunk.every(settled, (x) => Either.isRight(x.result))).toBe(true)
      const sizes = (yield* requests("query")).slice(before).map((q) => idsOf(q).length)
      // One enquiry of 100 (each record settles at its second enquiry, the first was made before).
      expect(sizes).toEqual([100])
    })))

  it.effect("mixed kinds due together: each batch of one kind, none above maxBatch, every record settled once", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 2 })))
        const payments = yield* Effect.forEach(Array.from({ length: 25 }), () => s.createPayment({ txamt: 1000 }))
        const unpaid = yield* Effect.forEach(
          Array.from({ length: 15 }),
          () => s.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
        )
        yield* s.addFaults({ operation: "query", fault: FaultPlan.latency(700), times: 1000 })
        const observer = OperationObserver.make(() => Effect.sleep("1 millis"))
        const results = yield* Effect.all([
          Effect.forEach(payments, (p) => Effect.exit(refund({ syssn: p.syssn, txamt: 1 })), {
            concurrency: "unbounded"
          }),
          Effect.forEach(unpaid, (p) => Effect.exit(reverse({ syssn: p.syssn, txamt: 500, txdtm: p.txdtm })), {
            concurrency: "unbounded"
          })
        ], { concurrency: "unbounded" }).pipe(Effect.provideService(OperationObserver.OperationObserver, observer))
        expect(results.flat().every(Exit.isSuccess)).toBe(true)
        const queries = yield* requests("query")
        for (const q of queries) {
          expect(idsOf(q).length).toBeLessThanOrEqual(7)
          expect(q.params.out_trade_no !== undefined && q.params.syssn !== undefined).toBe(false)
        }
        // Every refund asked for exactly twice (it settles at its second enquiry).
        const refundIds = results[0].map((e) => (Exit.isSuccess(e) ? e.value.out_trade_no : ""))
        for (const id of refundIds) {
          expect(queries.filter((q) => idsOf(q).includes(id!)).length).toBe(2)
        }
      }).pipe(Effect.provide(PollScheduler.layer({ maxBatch: 7, concurrency: 3 })))
    ))

  it.effect("records added while a round runs are taken, and the loop sleeps and wakes after it", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1 })))
        const payments = yield* Effect.forEach(Array.from({ length: 60 }), () => s.createPayment({ txamt: 1000 }))
        yield* s.addFaults({ operation: "query", fault: FaultPlan.latency(300), times: 1000 })
        // Submitted every 137 ms: some land during rounds, some while the loop sleeps.
        const exits = yield* Effect.forEach(
          payments,
          (p, i) => Effect.delay(Effect.exit(refund({ syssn: p.syssn, txamt: 1 })), `${i * 137} millis`),
          { concurrency: "unbounded" }
        ).pipe(Effect.timeout("5 minutes"))
        expect(exits.every(Exit.isSuccess)).toBe(true)
      }).pipe(Effect.provide(PollScheduler.layer({ maxBatch: 10, concurrency: 2 })))
    ))
})

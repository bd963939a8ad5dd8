/**
 * The batching poll scheduler on virtual time: operations due together are enquired together,
 * up to 100 ids a request; each still follows its own policy, deadline and StillPending.
 */
import {
  Handle,
  OperationObserver,
  PollPolicy,
  PollScheduler,
  pollUntilSettled,
  RateLimit,
  refund,
  reverse
} from "@effect-qfpay/core"
import { Behaviour, FaultPlan, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Schedule, Stream } from "effect"
import { failure, refunds, requests, scenario, sim, stillPending } from "./support/scenario.js"

const batched = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, PollScheduler.layer())

const idsPerEnquiry = Effect.map(
  requests("query"),
  (qs) => qs.map((q) => (q.params.out_trade_no ?? q.params.syssn ?? "").split(",").length)
)

// Handles saved from StillPending, resumed by `track` 10 s later under a scheduler of `options`
// while the first `slow.times` enquiries take `slow.millis` each. The settlements, when each
// record's first enquiry of the run was decided (its state counts it, seen by an observer) and
// when all had ended: times from the resume.
const resumeWithSlowEnquiries = (
  count: number,
  slow: { readonly millis: number; readonly times: number },
  options: PollScheduler.Options
) =>
  Effect.gen(function*() {
    const s = yield* sim
    const handles = yield* stillPending(count)
    yield* Effect.sleep("10 seconds")
    yield* s.addFaults({ operation: "query", fault: FaultPlan.latency(slow.millis), times: slow.times })
    const askedAt = new Map<string, number>()
    const observer = OperationObserver.make((state) =>
      Effect.clockWith((clock) =>
        Effect.sync(() => {
          const id = Handle.describe(state.handle)
          if (state.polls === 1 && !askedAt.has(id)) askedAt.set(id, clock.unsafeCurrentTimeMillis())
        })
      )
    )
    const now = Effect.clockWith((clock) => clock.currentTimeMillis)
    const start = yield* now
    const settled = yield* Stream.runCollect(PollScheduler.track(handles)).pipe(
      Effect.provide(PollScheduler.layer(options)),
      Effect.provideService(OperationObserver.OperationObserver, observer)
    )
    return { settled, asked: [...askedAt.values()].map((t) => t - start), endedAt: (yield* now) - start }
  })

describe("PollScheduler", () => {
  it.effect("under the documented rate limits: never above 100/s or 400/min, submits and enquiries together", () =>
    scenario(
      batched(Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })))
        const payments = yield* Effect.forEach(Array.from({ length: 450 }), () => s.createPayment({ txamt: 1000 }))
        yield* Effect.forEach(
          payments,
          (p) => refund({ syssn: p.syssn, txamt: 5 }, { poll: PollPolicy.make({ deadline: "10 minutes" }) }),
          {
            concurrency: "unbounded",
            discard: true
          }
        )
        const times = (yield* s.requestLog).map((e) => e.at)
        expect(Simulator.mostInWindow(times, 1000)).toBeLessThanOrEqual(100)
        expect(Simulator.mostInWindow(times, 60_000)).toBeLessThanOrEqual(400)
        expect((yield* refunds).every((r) => r.respcd === "0000")).toBe(true)
        // The limiter spreads the 450 submits over 5 s, so their first polls fall in a few windows:
        // about 6 enquiries a round instead of 5, against 450 one by one.
        expect((yield* requests("query")).length).toBeLessThanOrEqual(20)
      })),
      { rateLimit: RateLimit.documented }
    ))

  it.effect("250 refunds in progress: settled with a few enquiries of up to 100 ids each", () =>
    scenario(batched(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })))
      const payments = yield* Effect.forEach(Array.from({ length: 250 }), () => s.createPayment({ txamt: 1000 }))
      const receipts = yield* Effect.forEach(payments, (p) => refund({ syssn: p.syssn, txamt: 400 }), {
        concurrency: "unbounded"
      })
      expect(receipts.every((r) => r.confirmed_by === "enquiry")).toBe(true)
      expect(yield* s.transactions).toSatisfy((all: ReadonlyArray<{ kind: string; respcd: string }>) =>
        all.filter((t) => t.kind === "refund").every((t) => t.respcd === "0000")
      )
      const sizes = yield* idsPerEnquiry
      expect(Math.max(...sizes)).toBeLessThanOrEqual(100)
      // Three rounds, three enquiries a round (100 + 100 + 50), against 750 one by one.
      expect(sizes.length).toBeLessThanOrEqual(9)
    }))))

  it.effect("each record keeps its own deadline and ends StillPending with the handle", () =>
    scenario(batched(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
      const policy = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), {
        firstDelay: "3 seconds",
        deadline: "10 seconds"
      })
      const payments = yield* Effect.forEach(Array.from({ length: 120 }), () => s.createPayment({ txamt: 1000 }))
      const exits = yield* Effect.forEach(
        payments,
        (p) => Effect.exit(refund({ syssn: p.syssn, txamt: 1 }, { poll: policy })),
        {
          concurrency: "unbounded"
        }
      )
      const errors = exits.map(failure)
      expect(errors.every((e) => e._tag === "StillPending" && e.attempts === 4)).toBe(true)
      // 3, 5, 7, 9 s: four rounds of two enquiries (100 + 20).
      expect((yield* idsPerEnquiry).length).toBe(8)
    }))))

  it.effect("refunds and cancellations are enquired apart: by their own ids, by their payments'", () =>
    scenario(batched(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1 })))
      const paid = yield* s.createPayment({ txamt: 1000 })
      const unpaid = yield* s.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
      const [r, c] = yield* Effect.all([
        refund({ syssn: paid.syssn, txamt: 100 }),
        reverse({ syssn: unpaid.syssn, txamt: 500, txdtm: unpaid.txdtm })
      ], { concurrency: "unbounded" })
      expect([r.operation, c.operation]).toEqual(["refund", "reversal"])
      const queries = yield* requests("query")
      expect(queries.some((q) => q.params.out_trade_no === r.out_trade_no)).toBe(true)
      expect(queries.some((q) => q.params.syssn === unpaid.syssn)).toBe(true)
    }))))

  it.effect("an enquiry that fails is an enquiry with no news for every record in it", () =>
    scenario(batched(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1 })))
      yield* s.addFaults({ operation: "query", fault: FaultPlan.serverError(503), times: 1 })
      const payments = yield* Effect.forEach(Array.from({ length: 10 }), () => s.createPayment({ txamt: 1000 }))
      const receipts = yield* Effect.forEach(payments, (p) => refund({ syssn: p.syssn, txamt: 10 }), {
        concurrency: "unbounded"
      })
      expect(receipts).toHaveLength(10)
      expect((yield* requests("query")).length).toBe(2)
    }))))

  it.effect("track: handles saved from StillPending, resumed together, each settlement streamed", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 2 })))
      const payments = yield* Effect.forEach(Array.from({ length: 150 }), () => s.createPayment({ txamt: 1000 }))
      const short = PollPolicy.make({ deadline: "1 second" })
      const handles = yield* Effect.forEach(
        payments,
        (p) =>
          Effect.map(Effect.flip(refund({ syssn: p.syssn, txamt: 5 }, { poll: short })), (e) => {
            if (e._tag !== "StillPending") throw new Error(e._tag)
            return Handle.toToken(e.handle)
          })
      )
      // A restart later: every operation was submitted longer ago than the first delay.
      yield* Effect.sleep("10 seconds")
      const before = (yield* requests("query")).length
      const settled = yield* batched(
        Stream.runCollect(PollScheduler.track(handles.map((t) => Either.getOrThrow(Handle.fromToken(t)))))
      )
      expect(Chunk.size(settled)).toBe(150)
      expect(Chunk.every(settled, (x) => Either.isRight(x.result))).toBe(true)
      // Asked at once (submitted long enough ago) and in batches: two enquiries settle all 150.
      expect((yield* requests("query")).length - before).toBe(2)
      expect((yield* refunds).every((r) => r.respcd === "0000")).toBe(true)
    })))

  it.effect("records are taken as enquiry slots free up: each is asked for when its enquiry goes out", () =>
    scenario(Effect.gen(function*() {
      // Each enquiry takes 2 s to answer: five batches of 10, one in flight at a time.
      const { asked, settled } = yield* resumeWithSlowEnquiries(50, { millis: 2000, times: 5 }, {
        maxBatch: 10,
        concurrency: 1
      })
      expect(Chunk.every(settled, (x) => Either.isRight(x.result))).toBe(true)
      // Ten records taken each time the enquiry before has answered; not fifty taken at once,
      // forty of them to wait up to 8 s with a stale state.
      const rounds = [...new Set(asked.map((t) => Math.round(t / 1000)))]
      expect(asked).toHaveLength(50)
      expect(rounds.map((r) => r - rounds[0]!)).toEqual([0, 2, 4, 6, 8])
      expect((yield* idsPerEnquiry).slice(-5)).toEqual([10, 10, 10, 10, 10])
    })))

  it.effect("a slow enquiry holds up its own records only: the others are taken by the free enquiry slots", () =>
    scenario(Effect.gen(function*() {
      // The first enquiry takes 20 s to answer; the rest answer at once.
      const { asked, endedAt, settled } = yield* resumeWithSlowEnquiries(40, { millis: 20_000, times: 1 }, {
        maxBatch: 10,
        concurrency: 2
      })
      expect(Chunk.every(settled, (x) => Either.isRight(x.result))).toBe(true)
      // Ten records wait for the slow answer; the thirty others are asked for at once.
      expect(asked).toHaveLength(40)
      expect(asked.filter((t) => t < 1000)).toHaveLength(40)
      expect(endedAt).toBeGreaterThanOrEqual(20_000)
    })))

  it.effect("pollUntilSettled under the scheduler, and interruption drops the record", () =>
    scenario(batched(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(
        yield* Effect.exit(refund({ syssn: p.syssn, txamt: 5 }, { poll: PollPolicy.make({ deadline: "1 second" }) }))
      )
      if (error._tag !== "StillPending") throw new Error(error._tag)
      const before = (yield* requests("query")).length
      yield* Effect.timeout(pollUntilSettled(error.handle), "5 seconds").pipe(Effect.ignore)
      const during = (yield* requests("query")).length
      yield* Effect.sleep("1 minute")
      // Nothing is enquired for it once its caller stopped waiting.
      expect((yield* requests("query")).length).toBe(during)
      expect(during).toBeGreaterThan(before)
    }))))
})

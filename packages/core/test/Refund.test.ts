import { Handle, PollPolicy, pollUntilSettled, reconcile, refund } from "@effect-qfpay/core"
import { Behaviour, FaultPlan, Recording } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Option, Schema } from "effect"
import { failure, operations, refunds, requests, scenario, sim } from "./support/scenario.js"

describe("refund", () => {
  it.effect("happy path: one signed request, settled by the response", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      const receipt = yield* refund({ syssn: p.syssn, txamt: 400 })
      expect(receipt).toMatchObject({ operation: "refund", txamt: 400, orig_syssn: p.syssn, confirmed_by: "response" })
      expect(receipt.out_trade_no).toMatch(/^[A-Z0-9]{32}$/)
      const sent = yield* requests("refund")
      expect(sent).toHaveLength(1)
      expect(sent.every((e) => e.signatureOk)).toBe(true)
      expect(cancelOf(yield* s.transaction(p.syssn))).toBe(5)
    })))

  it.effect("uses the caller's out_trade_no and refunds the rest later", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* refund({ syssn: p.syssn, txamt: 400, out_trade_no: "MY-REFUND-1" })
      const rest = yield* refund({ syssn: p.syssn, txamt: 600 })
      expect(rest.txamt).toBe(600)
      expect((yield* requests("refund"))[0].params.out_trade_no).toBe("MY-REFUND-1")
      expect(cancelOf(yield* s.transaction(p.syssn))).toBe(3)
    })))

  it.effect("pending, then settled: enquiries at exactly 3 s, 5 s and 7 s", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })))
      const p = yield* s.createPayment({ txamt: 1000 })
      const receipt = yield* refund({ syssn: p.syssn, txamt: 1000 })
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(receipt.enquiries).toBe(3)
      const start = (yield* requests("refund"))[0].at
      const queries = yield* requests("query")
      expect(queries.map((e) => e.at - start)).toEqual([3000, 5000, 7000])
      expect(queries.every((e) => e.params.out_trade_no === receipt.out_trade_no)).toBe(true)
    })))

  it.effect("the default poll policy waits about 3 s first, then backs off with jitter", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 4 })))
        const p = yield* s.createPayment({ txamt: 1000 })
        yield* refund({ syssn: p.syssn, txamt: 1000 })
        const start = (yield* requests("refund"))[0].at
        const times = (yield* requests("query")).map((e) => e.at - start)
        // 3 s to 3.75 s: inside the docs' 3–5 s, spread so that pollers do not align.
        expect(times[0]).toBeGreaterThanOrEqual(3000)
        expect(times[0]).toBeLessThanOrEqual(3750)
        const gaps = times.slice(1).map((t, i) => t - times[i])
        // 2 s, 3 s, 4.5 s, each jittered by ±20 %.
        expect(gaps[0]).toBeGreaterThanOrEqual(1600)
        expect(gaps[0]).toBeLessThanOrEqual(2400)
        expect(gaps[2]).toBeGreaterThanOrEqual(3600)
        expect(gaps[2]).toBeLessThanOrEqual(5400)
      }),
      { config: { poll: PollPolicy.defaultPolicy } }
    ))

  it.effect("still pending at the deadline: a typed error with a handle that resumes", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 700 })))
      if (error._tag !== "StillPending") throw new Error(error._tag)
      // First enquiry at 3 s, then every 2 s, none after 30 s: 3, 5, …, 29 → 14 enquiries.
      expect(error.attempts).toBe(14)
      expect(yield* requests("query")).toHaveLength(14)
      expect(error.lastCode).toBe("1145")
      expect(Duration.toMillis(error.elapsed)).toBeLessThanOrEqual(30_000)
      expect(error.message).toContain("still in progress")
      // The handle survives serialisation; polling resumes from it.
      const handle = Either.getOrThrow(Handle.fromToken(Handle.toToken(error.handle)))
      yield* s.settle(handle.out_trade_no!)
      const receipt = yield* pollUntilSettled(handle)
      const [row] = yield* refunds
      expect([receipt.txamt, receipt.syssn]).toEqual([700, row.syssn])
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("a refund whose answer is lost after it was applied ends with exactly one refund, settled", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.lostAfter })
      const p = yield* s.createPayment({ txamt: 1000 })
      const receipt = yield* refund({ syssn: p.syssn, txamt: 1000 })
      expect(receipt.confirmed_by).toBe("enquiry")
      const all = yield* refunds
      expect(all).toHaveLength(1)
      expect(yield* requests("refund")).toHaveLength(1)
      expect(receipt.syssn).toBe(all[0].syssn)
    })))

  it.effect("a refund lost before it arrived is resubmitted with the same out_trade_no and time", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.lostBefore, times: 2 })
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* refund({ syssn: p.syssn, txamt: 1000 })
      const sent = yield* requests("refund")
      expect(sent).toHaveLength(3)
      expect(new Set(sent.map((e) => e.params.out_trade_no)).size).toBe(1)
      expect(new Set(sent.map((e) => e.params.txdtm)).size).toBe(1)
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("a duplicate after an ambiguous attempt leads to a lookup, not a failure", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.lostAfter },
        { operation: "query", fault: FaultPlan.answer("1268") }
      )
      const p = yield* s.createPayment({ txamt: 1000 })
      const receipt = yield* refund({ syssn: p.syssn, txamt: 1000 })
      // refund (lost) → query (not visible) → refund again (1102 duplicate) → query (found).
      expect(yield* operations).toEqual(["refund", "query", "refund", "query"])
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("running the same refund intent twice (same out_trade_no) refunds once: the second finds the first", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      const first = yield* refund({ syssn: p.syssn, txamt: 300, out_trade_no: "INTENT-1" })
      const second = yield* refund({ syssn: p.syssn, txamt: 300, out_trade_no: "INTENT-1" })
      expect([second.syssn, second.confirmed_by]).toEqual([first.syssn, "found"])
      expect(yield* refunds).toHaveLength(1)
      // Reconciling the intent (after a crash, say) finds the refund that exists.
      const handle = Schema.decodeSync(Handle.RefundHandle)({
        _tag: "RefundHandle",
        syssn: p.syssn,
        out_trade_no: "INTENT-1",
        txamt: 300,
        txdtm: first.txdtm!
      })
      const again = yield* reconcile(handle)
      expect(again.syssn).toBe(first.syssn)
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("an out_trade_no already used for another payment is IdempotencyKeyReused, not taken over", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const a = yield* s.createPayment({ txamt: 1000 })
      const b = yield* s.createPayment({ txamt: 1000 })
      yield* refund({ syssn: a.syssn, txamt: 300, out_trade_no: "SHARED" })
      const error = failure(yield* Effect.exit(refund({ syssn: b.syssn, txamt: 300, out_trade_no: "SHARED" })))
      expect(error._tag).toBe("IdempotencyKeyReused")
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("a pending refund that then fails is a rejection", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 2, failWith: "1155" })))
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1000 })))
      expect(error._tag === "Rejected" && [error.code, error.class]).toEqual(["1155", "refund-limit"])
    })))

  it.effect("1 000 refunds of distinct payments in parallel all settle", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1 })))
      const payments = yield* Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), (i) =>
        s.createPayment({ txamt: 1000 + i }))
      const receipts = yield* Effect.forEach(payments, (p) =>
        refund({ syssn: p.syssn, txamt: p.txamt }), {
        concurrency: "unbounded"
      })
      expect(receipts).toHaveLength(1000)
      expect(new Set(receipts.map((r) => r.out_trade_no)).size).toBe(1000)
      expect(yield* refunds).toHaveLength(1000)
      expect((yield* s.transactions).filter((t) => t.kind === "payment").every((p) => p.cancel === 3)).toBe(true)
    })))

  it.effect("a span with the refund's ids under a tracer of your own; none under Effect's built-in one", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      const recording = Recording.make()
      const receipt = yield* recording.instrument(refund({ syssn: p.syssn, txamt: 100 }))
      const spans = recording.spans.filter((span) => span.includes("QFPay.refund"))
      expect(spans).toHaveLength(1)
      expect(spans[0]).toContain(`"qfpay.out_trade_no","${receipt.out_trade_no}"`)
      // Effect's built-in tracer: the caller's span stays the current one, and gets no attribute.
      const seen = yield* Effect.withSpan(
        Effect.flatMap(refund({ syssn: p.syssn, txamt: 100 }), () => Effect.currentSpan),
        "caller"
      )
      expect([seen.name, seen.attributes.size]).toEqual(["caller", 0])
      // Tracing turned off: no span either.
      const off = yield* recording.instrument(
        refund({ syssn: p.syssn, txamt: 100 }).pipe(Effect.withTracerEnabled(false))
      )
      expect(off.operation).toBe("refund")
      expect(recording.spans.filter((span) => span.includes("QFPay.refund"))).toHaveLength(1)
    })))
})

const cancelOf = (t: Option.Option<{ readonly cancel: number }>) => Option.getOrThrow(t).cancel

import { cancel, query, reconcile, refund } from "@effect-qfpay/core"
import { FaultPlan } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { failure, operations, refunds, requests, scenario, sim } from "./support/scenario.js"

describe("typed errors", () => {
  it.effect("InvalidRequest: nothing is sent", () =>
    scenario(Effect.gen(function*() {
      const error = yield* Effect.flip(refund({ syssn: "20191227000200020061752831", txamt: -5 }))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("txamt: expected a positive whole number of cents (1 to 99999999999), got -5")
      expect(yield* (yield* sim).requestLog).toHaveLength(0)
    })))

  it.effect("Rejected: a refund over the refundable amount, sent once, never retried", () =>
    scenario(Effect.gen(function*() {
      const p = yield* (yield* sim).createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1001 })))
      if (error._tag !== "Rejected") throw new Error(error._tag)
      expect([error.code, error.class, error.endpoint]).toEqual(["1272", "refund-limit", "refund"])
      expect(error.message).toContain("1272 The refund exceeds the amount that can still be refunded")
      expect(yield* requests("refund")).toHaveLength(1)
    })))

  it.effect("retryable codes are retried with backoff and the same identifiers", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.answer("1205") },
        { operation: "refund", fault: FaultPlan.answer("1297") }
      )
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* refund({ syssn: p.syssn, txamt: 1000 })
      const sent = yield* requests("refund")
      expect(sent.map((e) => e.at - sent[0].at)).toEqual([0, 500, 1500])
      expect(new Set(sent.map((e) => e.params.out_trade_no)).size).toBe(1)
    })))

  it.effect("retryable codes that never clear: looked up once, then a rejection of class retryable", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.answer("1100"), times: 10 })
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1000 })))
      expect(error._tag === "Rejected" && error.class).toBe("retryable")
      expect(yield* requests("refund")).toHaveLength(6)
      expect(yield* requests("query")).toHaveLength(1)
      expect(yield* refunds).toHaveLength(0)
    })))

  it.effect("request errors are never retried", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.answer("1104") })
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1000 })))
      expect(error._tag === "Rejected" && error.class).toBe("request-error")
      expect(yield* requests("refund")).toHaveLength(1)
    })))

  it.effect("RateLimited: 429 honours Retry-After, then succeeds; endless 429 fails typed", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.rateLimited(4) })
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* refund({ syssn: p.syssn, txamt: 500 })
      const sent = yield* requests("refund")
      expect(sent[1].at - sent[0].at).toBe(4000)
      expect(sent[1].params.out_trade_no).toBe(sent[0].params.out_trade_no)
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.rateLimited(), times: 10 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 500 })))
      expect(error._tag).toBe("RateLimited")
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("TransportError: a connection that never opens is retried, then reported as not ambiguous", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.lostBefore, times: 10 })
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 500 })))
      expect(error._tag === "TransportError" && error.ambiguous).toBe(false)
      expect(yield* requests("query")).toHaveLength(0)
    })))

  it.effect("UnexpectedResponse: a 5xx to a refund is ambiguous and looked up before resubmitting", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.serverError(502, false) })
      const p = yield* s.createPayment({ txamt: 1000 })
      const receipt = yield* refund({ syssn: p.syssn, txamt: 500 })
      expect(yield* operations).toEqual(["refund", "query", "refund"])
      expect(receipt.confirmed_by).toBe("response")
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("UnexpectedResponse: a broken body after the refund applied is reconciled to one refund", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.truncatedJson })
      const p = yield* s.createPayment({ txamt: 1000 })
      const receipt = yield* refund({ syssn: p.syssn, txamt: 500 })
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("UnexpectedResponse surfaces from an enquiry that keeps answering HTML", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults({ operation: "query", fault: FaultPlan.body("<html>gateway</html>"), times: 10 })
      const error = failure(yield* Effect.exit(query({ syssn: "1" })))
      if (error._tag !== "UnexpectedResponse") throw new Error(error._tag)
      expect([error.status, error.reason, error.excerpt]).toEqual([200, "not JSON", "<html>gateway</html>"])
    })))

  it.effect("OutcomeUnknown: lost answer and no enquiry possible; reconcile later finds the one refund", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.lostAfter },
        { operation: "query", fault: FaultPlan.lostBefore, times: 50 }
      )
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 500 })))
      if (error._tag !== "OutcomeUnknown") throw new Error(error._tag)
      expect(error.message).toContain("reconcile")
      expect(yield* requests("refund")).toHaveLength(1)
      yield* s.clearFaults
      const receipt = yield* reconcile(error.handle)
      const all = yield* refunds
      expect(receipt.syssn).toBe(all[0].syssn)
      expect(all).toHaveLength(1)
      expect(yield* requests("refund")).toHaveLength(1)
    })))

  it.effect("reconcile resubmits with the same identifiers when the refund never arrived", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      // A 502 that was not applied, and no enquiry possible: the outcome is unknown.
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.serverError(502, false) },
        { operation: "query", fault: FaultPlan.lostBefore, times: 50 }
      )
      const p = yield* s.createPayment({ txamt: 1000 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 500 })))
      if (error._tag !== "OutcomeUnknown") throw new Error(error._tag)
      yield* s.clearFaults
      yield* reconcile(error.handle)
      const sent = yield* requests("refund")
      expect(sent).toHaveLength(2)
      expect(sent[1].params).toEqual(sent[0].params)
      expect(yield* refunds).toHaveLength(1)
    })))

  it.effect("SignatureMismatch: an enquiry answer whose signature does not verify", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.addFaults({ operation: "query", fault: FaultPlan.badSignature, times: 10 })
        const error = failure(yield* Effect.exit(query({ syssn: "1" })))
        expect(error._tag).toBe("SignatureMismatch")
      }),
      { config: { verifyResponses: true } }
    ))

  it.effect("UnknownPayType: no guess, nothing sent", () =>
    scenario(Effect.gen(function*() {
      const error = yield* Effect.flip(
        cancel({ syssn: "20191227000200020061752831", txamt: 100, txdtm: "2019-12-27 10:39:39", pay_type: "899999" })
      )
      expect(error._tag).toBe("UnknownPayType")
      expect(error.message).toContain("899999")
      expect(yield* (yield* sim).requestLog).toHaveLength(0)
    })))
})

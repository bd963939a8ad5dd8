import {
  cancel,
  close,
  Endpoint,
  Handle,
  PollPolicy,
  pollUntilSettled,
  Query,
  query,
  reconcile,
  refund,
  RetryPolicy,
  reverse,
  submit,
  undo
} from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Either, Exit, Schedule, Stream } from "effect"
import { runClocked, settle } from "./support/clock.js"
import { FakeQFPay } from "./support/FakeQFPay.js"

const fixed = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), { firstDelay: "3 seconds", deadline: "30 seconds" })
const noJitterRetry = RetryPolicy.make({ jitter: false, base: "500 millis", retries: 5 })

const setup = (configure: (fake: FakeQFPay) => void = () => {}) => {
  const fake = new FakeQFPay()
  configure(fake)
  return { fake, layer: fake.layer({ poll: fixed, retry: noJitterRetry }) }
}

const failure = <E>(exit: Exit.Exit<unknown, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const e = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (e === undefined) throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return e
}

describe("refund", () => {
  it.effect("happy path: one signed request, settled by the response", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const receipt = yield* settle(refund({ syssn: payment.syssn, txamt: 400 }))
      expect(receipt.operation).toBe("refund")
      expect(receipt.txamt).toBe(400)
      expect(receipt.orig_syssn).toBe(payment.syssn)
      expect(receipt.confirmed_by).toBe("response")
      expect(receipt.out_trade_no).toMatch(/^[A-Z0-9]{32}$/)
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(1)
      expect(fake.log.every((e) => e.signatureOk)).toBe(true)
      expect(payment.cancel).toBe(5)
    }).pipe(Effect.provide(layer))
  })

  it.effect("uses the caller's out_trade_no and refunds the rest later", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      yield* settle(refund({ syssn: payment.syssn, txamt: 400, out_trade_no: "MY-REFUND-1" }))
      const rest = yield* settle(refund({ syssn: payment.syssn, txamt: 600 }))
      expect(rest.txamt).toBe(600)
      expect(fake.requests(Endpoint.refund.path)[0].params.out_trade_no).toBe("MY-REFUND-1")
      expect(payment.cancel).toBe(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("pending, then settled: enquiries at exactly 3 s, 5 s and 7 s", () => {
    const { fake, layer } = setup((f) => (f.refundSettlesAfter = 3))
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const receipt = yield* settle(refund({ syssn: payment.syssn, txamt: 1000 }))
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(receipt.enquiries).toBe(3)
      const start = fake.requests(Endpoint.refund.path)[0].at
      expect(fake.requests(Endpoint.query.path).map((e) => e.at - start)).toEqual([3000, 5000, 7000])
      expect(fake.requests(Endpoint.query.path).every((e) => e.params.out_trade_no === receipt.out_trade_no)).toBe(
        true
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect("the default poll policy waits about 3 s first, then backs off with jitter", () => {
    const fake = new FakeQFPay()
    fake.refundSettlesAfter = 4
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      yield* settle(refund({ syssn: payment.syssn, txamt: 1000 }))
      const start = fake.requests(Endpoint.refund.path)[0].at
      const times = fake.requests(Endpoint.query.path).map((e) => e.at - start)
      // 3 s to 3.75 s: inside the docs' 3–5 s, spread so that pollers do not align.
      expect(times[0]).toBeGreaterThanOrEqual(3000)
      expect(times[0]).toBeLessThanOrEqual(3750)
      const gaps = times.slice(1).map((t, i) => t - times[i])
      // 2 s, 3 s, 4.5 s, each jittered by ±20 %.
      expect(gaps[0]).toBeGreaterThanOrEqual(1600)
      expect(gaps[0]).toBeLessThanOrEqual(2400)
      expect(gaps[2]).toBeGreaterThanOrEqual(3600)
      expect(gaps[2]).toBeLessThanOrEqual(5400)
    }).pipe(Effect.provide(fake.layer()))
  })

  it.effect("still pending at the deadline: a typed error with a handle that resumes", () => {
    const { fake, layer } = setup((f) => (f.refundSettlesAfter = 1000))
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const exit = yield* runClocked(refund({ syssn: payment.syssn, txamt: 700 }))
      const error = failure(exit)
      expect(error._tag).toBe("StillPending")
      if (error._tag !== "StillPending") return
      // First enquiry at 3 s, then every 2 s, none after 30 s: 3, 5, …, 29 → 14 enquiries.
      expect(error.attempts).toBe(14)
      expect(fake.requests(Endpoint.query.path)).toHaveLength(14)
      expect(error.lastCode).toBe("1145")
      expect(Duration.toMillis(error.elapsed)).toBeLessThanOrEqual(30_000)
      expect(error.message).toContain("still in progress")
      // The handle survives serialisation; polling resumes from it.
      const token = Handle.toToken(error.handle)
      const handle = Either.getOrThrow(Handle.fromToken(token))
      fake.refunds[0].settlesAfter = 2
      const receipt = yield* settle(pollUntilSettled(handle))
      expect(receipt.txamt).toBe(700)
      expect(receipt.syssn).toBe(fake.refunds[0].syssn)
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a refund whose answer is lost after it was applied ends with exactly one refund, settled", () => {
    const { fake, layer } = setup((f) => f.fault(Endpoint.refund.path, { _tag: "LostAfter" }))
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const receipt = yield* settle(refund({ syssn: payment.syssn, txamt: 1000 }))
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(fake.refunds).toHaveLength(1)
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(1)
      expect(receipt.syssn).toBe(fake.refunds[0].syssn)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a refund lost before it arrived is resubmitted with the same out_trade_no", () => {
    const { fake, layer } = setup((f) => f.fault(Endpoint.refund.path, { _tag: "LostBefore" }, { _tag: "LostBefore" }))
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      yield* settle(refund({ syssn: payment.syssn, txamt: 1000 }))
      const sent = fake.requests(Endpoint.refund.path)
      expect(sent).toHaveLength(3)
      expect(new Set(sent.map((e) => e.params.out_trade_no)).size).toBe(1)
      expect(new Set(sent.map((e) => e.params.txdtm)).size).toBe(1)
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a duplicate after an ambiguous attempt leads to a lookup, not a failure", () => {
    const { fake, layer } = setup((f) =>
      f.fault(Endpoint.refund.path, { _tag: "LostAfter" }).fault(Endpoint.query.path, { _tag: "Code", code: "1268" })
    )
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const receipt = yield* settle(refund({ syssn: payment.syssn, txamt: 1000 }))
      // refund (lost) → query (not visible) → refund again (1102 duplicate) → query (found).
      expect(fake.log.map((e) => e.path)).toEqual([
        Endpoint.refund.path,
        Endpoint.query.path,
        Endpoint.refund.path,
        Endpoint.query.path
      ])
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("running the same refund intent twice (same out_trade_no) refunds once: the second is a duplicate", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      yield* settle(refund({ syssn: payment.syssn, txamt: 300, out_trade_no: "INTENT-1" }))
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 300, out_trade_no: "INTENT-1" })))
      expect(error._tag === "Rejected" && [error.code, error.class]).toEqual(["1102", "request-error"])
      expect(fake.refunds).toHaveLength(1)
      // Reconciling the intent (after a crash, say) finds the refund that exists.
      if (error._tag !== "Rejected" || error.handle === undefined) throw new Error("a handle was expected")
      const receipt = yield* settle(reconcile(error.handle))
      expect(receipt.syssn).toBe(fake.refunds[0].syssn)
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an out_trade_no already used for another payment is rejected, not taken over", () => {
    const { fake, layer } = setup()
    const a = fake.addPayment({ txamt: 1000 })
    const b = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      yield* settle(refund({ syssn: a.syssn, txamt: 300, out_trade_no: "SHARED" }))
      const error = failure(yield* runClocked(refund({ syssn: b.syssn, txamt: 300, out_trade_no: "SHARED" })))
      expect(error._tag).toBe("Rejected")
      expect(error._tag === "Rejected" && error.code).toBe("1102")
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a pending refund that then fails is a rejection", () => {
    const { fake, layer } = setup((f) => {
      f.refundSettlesAfter = 2
      f.refundFailsWith = "1155"
    })
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 1000 })))
      expect(error._tag === "Rejected" && [error.code, error.class]).toEqual(["1155", "refund-limit"])
    }).pipe(Effect.provide(layer))
  })
})

describe("typed errors", () => {
  it.effect("InvalidRequest: nothing is sent", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const error = yield* Effect.flip(refund({ syssn: "20191227000200020061752831", txamt: -5 }))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("txamt: expected a positive whole number of cents (1 to 99999999999), got -5")
      expect(fake.log).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("Rejected: a refund over the refundable amount, sent once, never retried", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 1001 })))
      expect(error._tag).toBe("Rejected")
      if (error._tag !== "Rejected") return
      expect([error.code, error.class, error.endpoint]).toEqual(["1272", "refund-limit", "refund"])
      expect(error.message).toContain("1272 The refund exceeds the amount that can still be refunded")
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("retryable codes are retried with backoff and the same identifiers", () => {
    const { fake, layer } = setup((f) =>
      f.fault(Endpoint.refund.path, { _tag: "Code", code: "1205" }, { _tag: "Code", code: "1297" })
    )
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      yield* settle(refund({ syssn: payment.syssn, txamt: 1000 }))
      const sent = fake.requests(Endpoint.refund.path)
      expect(sent.map((e) => e.at - sent[0].at)).toEqual([0, 500, 1500])
      expect(new Set(sent.map((e) => e.params.out_trade_no)).size).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("retryable codes that never clear end as a rejection of class retryable", () => {
    const { fake, layer } = setup((f) => {
      for (let i = 0; i < 10; i++) f.fault(Endpoint.refund.path, { _tag: "Code", code: "1100" })
    })
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 1000 })))
      expect(error._tag === "Rejected" && error.class).toBe("retryable")
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(6)
      expect(fake.refunds).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("request errors are never retried", () => {
    const { fake, layer } = setup((f) => f.fault(Endpoint.refund.path, { _tag: "Code", code: "1104" }))
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 1000 })))
      expect(error._tag === "Rejected" && error.class).toBe("request-error")
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("RateLimited: 429 honours Retry-After, then succeeds; endless 429 fails typed", () => {
    const { fake, layer } = setup((f) =>
      f.fault(Endpoint.refund.path, { _tag: "Status", status: 429, headers: { "retry-after": "4" } })
    )
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      yield* settle(refund({ syssn: payment.syssn, txamt: 500 }))
      const sent = fake.requests(Endpoint.refund.path)
      expect(sent[1].at - sent[0].at).toBe(4000)
      expect(sent[1].params.out_trade_no).toBe(sent[0].params.out_trade_no)
      for (let i = 0; i < 10; i++) fake.fault(Endpoint.refund.path, { _tag: "Status", status: 429 })
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 500 })))
      expect(error._tag).toBe("RateLimited")
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("TransportError: a connection that never opens is retried, then reported as not ambiguous", () => {
    const { fake, layer } = setup((f) => {
      for (let i = 0; i < 10; i++) f.fault(Endpoint.refund.path, { _tag: "LostBefore" })
    })
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 500 })))
      expect(error._tag === "TransportError" && error.ambiguous).toBe(false)
      expect(fake.requests(Endpoint.query.path)).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("UnexpectedResponse: a 5xx to a refund is ambiguous and looked up before resubmitting", () => {
    const { fake, layer } = setup((f) => f.fault(Endpoint.refund.path, { _tag: "Status", status: 502 }))
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const receipt = yield* settle(refund({ syssn: payment.syssn, txamt: 500 }))
      expect(fake.log.map((e) => e.path)).toEqual([Endpoint.refund.path, Endpoint.query.path, Endpoint.refund.path])
      expect(receipt.confirmed_by).toBe("response")
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("UnexpectedResponse: a broken body after the refund applied is reconciled to one refund", () => {
    const { fake, layer } = setup((f) =>
      f.fault(Endpoint.refund.path, { _tag: "Body", body: `{"respcd": "00`, apply: true })
    )
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const receipt = yield* settle(refund({ syssn: payment.syssn, txamt: 500 }))
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("UnexpectedResponse surfaces from an enquiry that keeps answering HTML", () => {
    const { layer } = setup((f) => {
      for (let i = 0; i < 10; i++) {
        f.fault(Endpoint.query.path, { _tag: "Body", body: "<html>gateway</html>", apply: false })
      }
    })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(query({ syssn: "1" })))
      expect(error._tag).toBe("UnexpectedResponse")
      if (error._tag !== "UnexpectedResponse") return
      expect([error.status, error.reason, error.excerpt]).toEqual([200, "not JSON", "<html>gateway</html>"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("OutcomeUnknown: lost answer and no enquiry possible; reconcile later finds the one refund", () => {
    const { fake, layer } = setup((f) => {
      f.fault(Endpoint.refund.path, { _tag: "LostAfter" })
      for (let i = 0; i < 6; i++) f.fault(Endpoint.query.path, { _tag: "LostBefore" })
    })
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 500 })))
      expect(error._tag).toBe("OutcomeUnknown")
      if (error._tag !== "OutcomeUnknown") return
      expect(error.message).toContain("reconcile")
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(1)
      const receipt = yield* settle(reconcile(error.handle))
      expect(receipt.syssn).toBe(fake.refunds[0].syssn)
      expect(fake.refunds).toHaveLength(1)
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("reconcile resubmits with the same identifiers when the refund never arrived", () => {
    const { fake, layer } = setup((f) => {
      f.fault(Endpoint.refund.path, { _tag: "LostAfter" })
      for (let i = 0; i < 6; i++) f.fault(Endpoint.query.path, { _tag: "LostBefore" })
    })
    const payment = fake.addPayment({ txamt: 1000 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(refund({ syssn: payment.syssn, txamt: 500 })))
      if (error._tag !== "OutcomeUnknown") throw new Error(error._tag)
      fake.refunds = [] // as if the refund had been lost before QFPay applied it
      payment.cancel = 0
      yield* settle(reconcile(error.handle))
      const sent = fake.requests(Endpoint.refund.path)
      expect(sent).toHaveLength(2)
      expect(sent[1].params).toEqual(sent[0].params)
      expect(fake.refunds).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("SignatureMismatch: an enquiry answer whose signature does not verify", () => {
    const fake = new FakeQFPay()
    fake.fault(Endpoint.query.path, { _tag: "BadSignature" })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(query({ syssn: "1" })))
      expect(error._tag).toBe("SignatureMismatch")
    }).pipe(Effect.provide(fake.layer({ verifyResponses: true, retry: noJitterRetry })))
  })

  it.effect("UnknownPayType: no guess, nothing sent", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const error = yield* Effect.flip(
        cancel({ syssn: "20191227000200020061752831", txamt: 100, txdtm: "2019-12-27 10:39:39", pay_type: "899999" })
      )
      expect(error._tag).toBe("UnknownPayType")
      expect(error.message).toContain("899999")
      expect(fake.log).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })
})

describe("reverse, close, cancel", () => {
  it.effect("reverse: an unpaid Alipay MPM payment, confirmed by enquiry", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 2500, respcd: "1143", pay_type: "800101" })
    return Effect.gen(function*() {
      const receipt = yield* settle(reverse({ syssn: payment.syssn, txamt: 2500, txdtm: payment.txdtm }))
      expect(receipt.operation).toBe("reversal")
      expect(receipt.orig_syssn).toBe(payment.syssn)
      expect(receipt.syssn).toBeDefined()
      expect(payment.cancel).toBe(2)
      expect(fake.log.map((e) => e.path)).toEqual([Endpoint.reversal.path, Endpoint.query.path])
    }).pipe(Effect.provide(layer))
  })

  it.effect("reverse: a 0000 stands when the confirming enquiry lags; a payment shown paid fails it", () => {
    const { fake, layer } = setup()
    const lagging = fake.addPayment({ txamt: 2500, respcd: "1143", pay_type: "800101" })
    const paidMeanwhile = fake.addPayment({ txamt: 2500, respcd: "1143", pay_type: "800101" })
    const row = (p: typeof lagging, respcd: string) =>
      JSON.stringify({
        respcd: "0000",
        data: [{ syssn: p.syssn, out_trade_no: p.out_trade_no, respcd, cancel: "0", txamt: "2500" }]
      })
    fake.fault(Endpoint.query.path, { _tag: "Body", body: row(lagging, "1143"), apply: false })
    fake.fault(Endpoint.query.path, { _tag: "Body", body: row(paidMeanwhile, "0000"), apply: false })
    return Effect.gen(function*() {
      const receipt = yield* settle(reverse({ syssn: lagging.syssn, txamt: 2500, txdtm: lagging.txdtm }))
      expect(receipt.confirmed_by).toBe("response")
      expect(fake.requests(Endpoint.query.path)).toHaveLength(1)
      const error = failure(
        yield* runClocked(reverse({ syssn: paidMeanwhile.syssn, txamt: 2500, txdtm: paidMeanwhile.txdtm }))
      )
      expect(error._tag === "Rejected" && error.code).toBe("1260")
    }).pipe(Effect.provide(layer))
  })

  it.effect("reverse: in progress, polled until the payment shows cancelled", () => {
    const { fake, layer } = setup((f) => (f.cancelSettlesAfter = 2))
    const payment = fake.addPayment({ txamt: 2500, respcd: "1143", pay_type: "800101" })
    return Effect.gen(function*() {
      const receipt = yield* settle(reverse({ out_trade_no: payment.out_trade_no, txamt: 2500, txdtm: payment.txdtm }))
      expect(receipt.enquiries).toBe(2)
      expect(payment.cancel).toBe(2)
      expect(fake.requests(Endpoint.query.path).every((e) => e.params.out_trade_no === payment.out_trade_no)).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.effect("reverse: a paid payment cannot be reversed", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 2500 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(reverse({ syssn: payment.syssn, txamt: 2500, txdtm: payment.txdtm })))
      expect(error._tag === "Rejected" && error.code).toBe("1260")
      expect(payment.cancel).toBe(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("close: an unpaid WeChat CPM payment, sent as GET", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 300, respcd: "1143", pay_type: "800208" })
    return Effect.gen(function*() {
      const receipt = yield* settle(close({ syssn: payment.syssn, txamt: 300, txdtm: payment.txdtm }))
      expect(receipt.operation).toBe("close")
      expect(Endpoint.close.method).toBe("GET")
      expect(payment.cancel).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("cancel routes by pay type", () => {
    const { fake, layer } = setup()
    const mpm = fake.addPayment({ txamt: 300, respcd: "1143", pay_type: "801501" })
    const cpm = fake.addPayment({ txamt: 300, respcd: "1143", pay_type: "801008" })
    return Effect.gen(function*() {
      const a = yield* settle(cancel({ syssn: mpm.syssn, txamt: 300, txdtm: mpm.txdtm, pay_type: mpm.pay_type }))
      const b = yield* settle(cancel({ syssn: cpm.syssn, txamt: 300, txdtm: cpm.txdtm, pay_type: cpm.pay_type }))
      expect([a.operation, b.operation]).toEqual(["reversal", "close"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("the routing table is configuration", () => {
    const fake = new FakeQFPay()
    const payment = fake.addPayment({ txamt: 300, respcd: "1143", pay_type: "800212" })
    return Effect.gen(function*() {
      const receipt = yield* settle(
        cancel({ syssn: payment.syssn, txamt: 300, txdtm: payment.txdtm, pay_type: "800212" })
      )
      expect(receipt.operation).toBe("close")
    }).pipe(Effect.provide(fake.layer({ routing: { reversal: ["800101"], close: ["800212"] } })))
  })

  it.effect("'already cancelled' answering our own ambiguous reversal means it took effect", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 300, respcd: "1143", pay_type: "800101" })
    // The enquiry lags: it still shows the payment unpaid and not cancelled.
    const stale = JSON.stringify({
      respcd: "0000",
      data: [{ syssn: payment.syssn, out_trade_no: payment.out_trade_no, respcd: "1143", cancel: "0", txamt: "300" }]
    })
    fake.fault(Endpoint.reversal.path, { _tag: "LostAfter" })
    fake.fault(Endpoint.query.path, { _tag: "Body", body: stale, apply: false })
    return Effect.gen(function*() {
      const receipt = yield* settle(reverse({ syssn: payment.syssn, txamt: 300, txdtm: payment.txdtm }))
      expect(receipt.confirmed_by).toBe("already-done")
      expect(fake.log.map((e) => e.path)).toEqual([Endpoint.reversal.path, Endpoint.query.path, Endpoint.reversal.path])
    }).pipe(Effect.provide(layer))
  })

  it.effect("'already cancelled' without an ambiguous attempt of ours is a rejection", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 300, respcd: "1143", pay_type: "800101", cancel: 2 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(reverse({ syssn: payment.syssn, txamt: 300, txdtm: payment.txdtm })))
      expect(error._tag === "Rejected" && error.code).toBe("1263")
    }).pipe(Effect.provide(layer))
  })
})

describe("undo", () => {
  it.effect("paid: refunds in full", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 900 })
    return Effect.gen(function*() {
      const result = yield* settle(undo({ syssn: payment.syssn }))
      expect(result._tag).toBe("Refunded")
      expect(result._tag === "Refunded" && result.receipt.txamt).toBe(900)
      expect(payment.cancel).toBe(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("paid: refunds the amount given, found by out_trade_no", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 900 })
    return Effect.gen(function*() {
      const result = yield* settle(undo({ out_trade_no: payment.out_trade_no, txamt: 100 }))
      expect(result._tag === "Refunded" && result.receipt.txamt).toBe(100)
      expect(payment.cancel).toBe(5)
    }).pipe(Effect.provide(layer))
  })

  it.effect("partly refunded without an amount: asks for it, sends nothing", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 900, cancel: 5 })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(undo({ syssn: payment.syssn })))
      expect(error._tag).toBe("InvalidRequest")
      expect(fake.requests(Endpoint.refund.path)).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("not completed: cancels by reversal or close", () => {
    const { fake, layer } = setup()
    const alipay = fake.addPayment({ txamt: 900, respcd: "1143", pay_type: "800101" })
    const wechat = fake.addPayment({ txamt: 900, respcd: "1145", pay_type: "800208" })
    return Effect.gen(function*() {
      const a = yield* settle(undo({ syssn: alipay.syssn }))
      const b = yield* settle(undo({ syssn: wechat.syssn }))
      expect(a._tag === "Cancelled" && a.receipt.operation).toBe("reversal")
      expect(b._tag === "Cancelled" && b.receipt.operation).toBe("close")
    }).pipe(Effect.provide(layer))
  })

  it.effect("already cancelled, fully refunded or failed: reports it and changes nothing", () => {
    const { fake, layer } = setup()
    const cancelled = fake.addPayment({ txamt: 900, respcd: "1143", cancel: 2 })
    const refunded = fake.addPayment({ txamt: 900, cancel: 3 })
    const failed = fake.addPayment({ txamt: 900, respcd: "1205" })
    return Effect.gen(function*() {
      const results = yield* Effect.forEach([cancelled, refunded, failed], (p) => settle(undo({ syssn: p.syssn })))
      expect(results.map((r) => r._tag === "NothingToUndo" && r.reason)).toEqual([
        "already-cancelled",
        "already-refunded",
        "payment-failed"
      ])
      expect(fake.log.every((e) => e.path === Endpoint.query.path)).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an unknown payment is TransactionNotFound", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(undo({ syssn: "20000101000000000000000000" })))
      expect(error._tag).toBe("TransactionNotFound")
    }).pipe(Effect.provide(layer))
  })

  it.effect("an unpaid payment with an unknown pay type is UnknownPayType", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 900, respcd: "1143", pay_type: "805801" })
    return Effect.gen(function*() {
      const error = failure(yield* runClocked(undo({ syssn: payment.syssn })))
      expect(error._tag).toBe("UnknownPayType")
      expect(fake.requests(Endpoint.reversal.path)).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })
})

describe("query and submit", () => {
  it.effect("query finds payments and refunds; stream walks every page", () => {
    const { fake, layer } = setup()
    const payments = Array.from({ length: 250 }, () => fake.addPayment({ txamt: 100 }))
    return Effect.gen(function*() {
      const one = yield* settle(query({ syssn: payments[0].syssn }))
      expect(one.rows).toHaveLength(1)
      const rows = yield* settle(Stream.runCollect(Query.stream({ syssn: payments.map((p) => p.syssn) })))
      expect(Chunk.size(rows)).toBe(250)
      expect(fake.requests(Endpoint.query.path).slice(1).map((e) => e.params.page)).toEqual(["1", "2", "3"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("submit sends once and returns the classified answer", () => {
    const { fake, layer } = setup()
    const payment = fake.addPayment({ txamt: 100 })
    return Effect.gen(function*() {
      const answer = yield* submit("refund", { syssn: payment.syssn, txamt: 200 })
      expect([answer.code, answer.class]).toEqual(["1272", "refund-limit"])
      const ok = yield* submit("refund", { syssn: payment.syssn, txamt: 100 })
      expect(ok.class).toBe("success")
      expect(ok.response?.txamt).toBe(100)
    }).pipe(Effect.provide(layer))
  })
})

describe("scale", () => {
  it.effect("1 000 refunds of distinct payments in parallel all settle", () => {
    const { fake, layer } = setup((f) => (f.refundSettlesAfter = 1))
    const payments = Array.from({ length: 1000 }, (_, i) => fake.addPayment({ txamt: 1000 + i }))
    return Effect.gen(function*() {
      const receipts = yield* settle(
        Effect.forEach(payments, (p) => refund({ syssn: p.syssn, txamt: p.txamt }), { concurrency: "unbounded" })
      )
      expect(receipts).toHaveLength(1000)
      expect(new Set(receipts.map((r) => r.out_trade_no)).size).toBe(1000)
      expect(fake.refunds).toHaveLength(1000)
      expect(payments.every((p) => p.cancel === 3)).toBe(true)
    }).pipe(Effect.provide(layer))
  })
})

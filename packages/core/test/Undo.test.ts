import { refund, reverse, undo } from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { failure, requests, scenario, sim } from "./support/scenario.js"

const cancelOf = (id: string) =>
  Effect.flatMap(sim, (s) => Effect.map(s.transaction(id), (t) => Option.getOrThrow(t).cancel))

describe("undo", () => {
  it.effect("paid: refunds in full", () =>
    scenario(Effect.gen(function*() {
      const p = yield* (yield* sim).createPayment({ txamt: 900 })
      const result = yield* undo({ syssn: p.syssn })
      expect(result._tag === "Refunded" && result.receipt.txamt).toBe(900)
      expect(yield* cancelOf(p.syssn)).toBe(3)
    })))

  it.effect("paid: refunds the amount given, found by out_trade_no", () =>
    scenario(Effect.gen(function*() {
      const p = yield* (yield* sim).createPayment({ txamt: 900 })
      const result = yield* undo({ out_trade_no: p.out_trade_no, txamt: 100 })
      expect(result._tag === "Refunded" && result.receipt.txamt).toBe(100)
      expect(yield* cancelOf(p.syssn)).toBe(5)
    })))

  it.effect("partly refunded without an amount: refunds what is left, and says how much", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 900 })
      yield* refund({ syssn: p.syssn, txamt: 200 })
      yield* refund({ syssn: p.syssn, txamt: 100 })
      const result = yield* undo({ syssn: p.syssn })
      expect(result._tag === "Refunded" && result.receipt.txamt).toBe(600)
      expect(yield* s.refundedTotal(p.syssn)).toBe(900)
      const again = yield* undo({ syssn: p.syssn })
      expect(again._tag === "NothingToUndo" && again.reason).toBe("already-refunded")
    })))

  it.effect("not completed: cancels by reversal or close", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const alipay = yield* s.createPayment({ txamt: 900, pay_type: "800101", state: { _tag: "Pending" } })
      const wechat = yield* s.createPayment({
        txamt: 900,
        pay_type: "800208",
        state: { _tag: "Pending", code: "1145" }
      })
      const a = yield* undo({ syssn: alipay.syssn })
      const b = yield* undo({ syssn: wechat.syssn })
      expect(a._tag === "Cancelled" && a.receipt.operation).toBe("reversal")
      expect(b._tag === "Cancelled" && b.receipt.operation).toBe("close")
    })))

  it.effect("already cancelled, fully refunded or failed: reports it and changes nothing", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const cancelled = yield* s.createPayment({ txamt: 900, state: { _tag: "Pending" } })
      yield* reverse({ syssn: cancelled.syssn, txamt: 900, txdtm: cancelled.txdtm })
      const refunded = yield* s.createPayment({ txamt: 900 })
      yield* refund({ syssn: refunded.syssn, txamt: 900 })
      const failed = yield* s.createPayment({ txamt: 900, state: { _tag: "Failed", code: "1205" } })
      const before = (yield* s.requestLog).length
      const results = yield* Effect.forEach([cancelled, refunded, failed], (p) => undo({ syssn: p.syssn }))
      expect(results.map((r) => r._tag === "NothingToUndo" && r.reason)).toEqual([
        "already-cancelled",
        "already-refunded",
        "payment-failed"
      ])
      expect((yield* s.requestLog).slice(before).every((e) => e.operation === "query")).toBe(true)
    })))

  it.effect("an unknown payment is TransactionNotFound", () =>
    scenario(Effect.gen(function*() {
      const error = failure(yield* Effect.exit(undo({ syssn: "20000101000000000000000000" })))
      expect(error._tag).toBe("TransactionNotFound")
    })))

  it.effect("an unpaid payment with an unknown pay type is UnknownPayType", () =>
    scenario(Effect.gen(function*() {
      const p = yield* (yield* sim).createPayment({ txamt: 900, pay_type: "805801", state: { _tag: "Pending" } })
      const error = failure(yield* Effect.exit(undo({ syssn: p.syssn })))
      expect(error._tag).toBe("UnknownPayType")
      expect(yield* requests("reversal")).toHaveLength(0)
    })))
})

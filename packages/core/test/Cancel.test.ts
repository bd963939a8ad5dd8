import { cancel, close, reverse } from "@effect-qfpay/core"
import { Behaviour, FaultPlan } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { failure, operations, requests, scenario, sim } from "./support/scenario.js"

const unpaid = (pay_type: string, txamt = 2500) =>
  Effect.flatMap(sim, (s) => s.createPayment({ txamt, pay_type, state: { _tag: "Pending" } }))

const cancelOf = (id: string) =>
  Effect.flatMap(sim, (s) => Effect.map(s.transaction(id), (t) => Option.getOrThrow(t).cancel))

const stale = (p: { readonly syssn: string; readonly out_trade_no: string }, respcd: string) =>
  JSON.stringify({
    respcd: "0000",
    data: [{ syssn: p.syssn, out_trade_no: p.out_trade_no, order_type: "payment", respcd, cancel: "0", txamt: "2500" }]
  })

describe("reverse, close, cancel", () => {
  it.effect("reverse: an unpaid Alipay MPM payment, confirmed by enquiry", () =>
    scenario(Effect.gen(function*() {
      const p = yield* unpaid("800101")
      const receipt = yield* reverse({ syssn: p.syssn, txamt: 2500, txdtm: p.txdtm })
      expect(receipt).toMatchObject({ operation: "reversal", orig_syssn: p.syssn, confirmed_by: "enquiry" })
      expect(receipt.syssn).toBeDefined()
      expect(yield* cancelOf(p.syssn)).toBe(2)
      expect(yield* operations).toEqual(["reversal", "query"])
    })))

  it.effect("reverse: a 0000 stands when the confirming enquiry lags; a payment shown paid fails it", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const lagging = yield* unpaid("800101")
      const paidMeanwhile = yield* unpaid("800101")
      yield* s.addFaults(
        { operation: "query", fault: FaultPlan.body(stale(lagging, "1143")) },
        { operation: "query", fault: FaultPlan.body(stale(paidMeanwhile, "0000")) }
      )
      const receipt = yield* reverse({ syssn: lagging.syssn, txamt: 2500, txdtm: lagging.txdtm })
      expect(receipt.confirmed_by).toBe("response")
      expect(yield* requests("query")).toHaveLength(1)
      const error = failure(
        yield* Effect.exit(reverse({ syssn: paidMeanwhile.syssn, txamt: 2500, txdtm: paidMeanwhile.txdtm }))
      )
      expect(error._tag === "Rejected" && error.code).toBe("1260")
    })))

  it.effect("reverse: in progress, polled until the payment shows cancelled", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* unpaid("800101")
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 2 })))
      const receipt = yield* reverse({ out_trade_no: p.out_trade_no, txamt: 2500, txdtm: p.txdtm })
      expect(receipt.enquiries).toBe(2)
      expect(yield* cancelOf(p.syssn)).toBe(2)
      expect((yield* requests("query")).every((e) => e.params.out_trade_no === p.out_trade_no)).toBe(true)
    })))

  it.effect("reverse: a paid payment cannot be reversed", () =>
    scenario(Effect.gen(function*() {
      const p = yield* (yield* sim).createPayment({ txamt: 2500 })
      const error = failure(yield* Effect.exit(reverse({ syssn: p.syssn, txamt: 2500, txdtm: p.txdtm })))
      expect(error._tag === "Rejected" && error.code).toBe("1260")
      expect(yield* cancelOf(p.syssn)).toBe(0)
    })))

  it.effect("close: an unpaid WeChat CPM payment, sent as GET", () =>
    scenario(Effect.gen(function*() {
      const p = yield* unpaid("800208", 300)
      const receipt = yield* close({ syssn: p.syssn, txamt: 300, txdtm: p.txdtm })
      expect(receipt.operation).toBe("close")
      expect((yield* requests("close"))[0].method).toBe("GET")
      expect(yield* cancelOf(p.syssn)).toBe(1)
    })))

  it.effect("cancel routes by pay type", () =>
    scenario(Effect.gen(function*() {
      const mpm = yield* unpaid("801501", 300)
      const cpm = yield* unpaid("801008", 300)
      const a = yield* cancel({ syssn: mpm.syssn, txamt: 300, txdtm: mpm.txdtm, pay_type: mpm.pay_type })
      const b = yield* cancel({ syssn: cpm.syssn, txamt: 300, txdtm: cpm.txdtm, pay_type: cpm.pay_type })
      expect([a.operation, b.operation]).toEqual(["reversal", "close"])
    })))

  it.effect("the routing table is configuration", () =>
    scenario(
      Effect.gen(function*() {
        const s = yield* sim
        yield* s.setRules({ routing: { reversal: ["800101"], close: ["800212"] } })
        const p = yield* unpaid("800212", 300)
        const receipt = yield* cancel({ syssn: p.syssn, txamt: 300, txdtm: p.txdtm, pay_type: "800212" })
        expect(receipt.operation).toBe("close")
      }),
      { config: { routing: { reversal: ["800101"], close: ["800212"] } } }
    ))

  it.effect("'already cancelled' answering our own ambiguous reversal: looked up, it took effect", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* unpaid("800101", 2500)
      // The first enquiry lags: it still shows the payment unpaid and not cancelled.
      yield* s.addFaults(
        { operation: "reversal", fault: FaultPlan.lostAfter },
        { operation: "query", fault: FaultPlan.body(stale(p, "1143")) }
      )
      const receipt = yield* reverse({ syssn: p.syssn, txamt: 2500, txdtm: p.txdtm })
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(yield* operations).toEqual(["reversal", "query", "reversal", "query"])
    })))

  it.effect("'already cancelled' by an earlier run: looked up and found, not a rejection", () =>
    scenario(Effect.gen(function*() {
      const p = yield* unpaid("800101", 300)
      yield* reverse({ syssn: p.syssn, txamt: 300, txdtm: p.txdtm })
      const receipt = yield* reverse({ syssn: p.syssn, txamt: 300, txdtm: p.txdtm })
      expect(receipt.confirmed_by).toBe("found")
      expect((yield* requests("reversal")).map((e) => e.respcd)).toEqual(["0000", "1263"])
    })))
})

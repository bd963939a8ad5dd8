/**
 * The model's settlement by time: only what is due is looked at (a heap of due times, not a
 * walk over every operation in progress), and each state settles exactly when it is due.
 */
import { Endpoint, Response } from "@effect-qfpay/core"
import { Behaviour, Model, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"

const credential = Simulator.demoCredential

// A model whose next operations are scripted by out_trade_no (payments by their own id).
const make = () => {
  const scripts = new Map<string, Behaviour.Outcome>()
  const model = new Model.Model({ credentials: [credential] })
  model.policy = {
    decide: (op) => scripts.get(op.out_trade_no ?? "") ?? Behaviour.alwaysSucceed.decide(op)
  }
  const call = (operation: Endpoint.Operation, params: Record<string, string>, now: number) => {
    const endpoint = Endpoint.byOperation(operation)
    const answer = model.answer(
      endpoint,
      { method: endpoint.method, path: endpoint.path, params, headers: {} },
      credential,
      now
    )
    return { respcd: answer.respcd, json: answer.answer.json as Record<string, unknown> }
  }
  return { model, scripts, call }
}

const txdtm = "2026-11-22 10:00:00"

describe("settlement by time", () => {
  it("each refund settles when its time is due, in any order of creation, and not before", () => {
    const { call, model, scripts } = make()
    const p = model.createPayment({ txamt: 1_000_000, out_trade_no: "P" }, 0)
    if (p._tag === "Left") throw new Error(p.left)
    const waits = [5000, 1000, 3000, 1000, 9000, 2000]
    waits.forEach((millis, i) => {
      scripts.set(`R${i}`, Behaviour.pending({ afterMillis: millis }))
      const answer = call("refund", { syssn: p.right.syssn, txamt: "10", out_trade_no: `R${i}`, txdtm }, 100 * i)
      expect(answer.respcd).toBe("1145")
    })
    for (let now = 0; now <= 10_000; now += 50) {
      for (const [i, millis] of waits.entries()) {
        const settled = model.transaction(`R${i}`, now)!.respcd === "0000"
        expect([i, now, settled]).toEqual([i, now, now - 100 * i >= millis])
      }
    }
    expect(model.transaction("P", 10_000)!.refunded).toBe(60)
  })

  it("a payment made on the wire in progress settles by its time; one that fails, with its code", () => {
    const { call, scripts } = make()
    scripts.set("W1", Behaviour.pending({ afterMillis: 2000 }))
    scripts.set("W2", Behaviour.pending({ afterMillis: 1000, failWith: "1205" }))
    const pay = (out_trade_no: string) =>
      call("payment", { txamt: "100", txcurrcd: "HKD", pay_type: "800101", out_trade_no, txdtm }, 0)
    expect([pay("W1").respcd, pay("W2").respcd]).toEqual(["1145", "1145"])
    const rows = (now: number) =>
      (call("query", { out_trade_no: "W1,W2" }, now).json.data as ReadonlyArray<Record<string, string>>).map((r) =>
        r.respcd
      )
    expect(rows(999)).toEqual(["1145", "1145"])
    expect(rows(1000)).toEqual(["1145", "1205"])
    expect(rows(2000)).toEqual(["0000", "1205"])
  })

  it("a payment waiting on its time does not complete while a cancellation waiting on its own is in progress", () => {
    const { call, model, scripts } = make()
    const p = model.createPayment({
      txamt: 500,
      out_trade_no: "P",
      state: { _tag: "Pending", settles: { _tag: "AfterMillis", millis: 1000 } }
    }, 0)
    if (p._tag === "Left") throw new Error(p.left)
    scripts.set("P", Behaviour.pending({ afterMillis: 3000 }))
    expect(call("reversal", { syssn: p.right.syssn, txamt: "500", txdtm }, 500).respcd).toBe("1145")
    // Past the payment's own time: still in progress, the cancellation not yet settled.
    expect(model.transaction("P", 2000)).toMatchObject({ respcd: "1143", cancel: 0 })
    // The cancellation settles, and the payment with it: cancelled, never paid.
    expect(model.transaction("P", 3500)).toMatchObject({
      respcd: "1143",
      cancel: Response.Cancel.mpmCancelled,
      cancelledBy: "reversal"
    })
    expect(model.transaction("P", 10_000)!.paydtm).toBeUndefined()
  })

  it("settled now (settleNow) or by enquiries, a state's time no longer settles it again", () => {
    const { call, model, scripts } = make()
    const p = model.createPayment({ txamt: 1000, out_trade_no: "P" }, 0)
    if (p._tag === "Left") throw new Error(p.left)
    scripts.set("R1", Behaviour.pending({ afterMillis: 1000, failWith: "1297" }))
    call("refund", { syssn: p.right.syssn, txamt: "100", out_trade_no: "R1", txdtm }, 0)
    expect(model.settleNow("R1", undefined, 10)!.respcd).toBe("0000")
    expect(model.transaction("R1", 5000)!.respcd).toBe("0000")
    expect(model.transaction("P", 5000)!.refunded).toBe(100)
  })

  it("100 000 refunds in progress that settle by enquiries, beside a few that settle by time", () => {
    const { call, model, scripts } = make()
    const p = model.createPayment({ txamt: 99_999_999_999, out_trade_no: "P" }, 0)
    if (p._tag === "Left") throw new Error(p.left)
    model.policy = { decide: (op) => scripts.get(op.out_trade_no ?? "") ?? Behaviour.pending({ afterEnquiries: 1 }) }
    scripts.set("T", Behaviour.pending({ afterMillis: 60_000 }))
    call("refund", { syssn: p.right.syssn, txamt: "1", out_trade_no: "T", txdtm }, 0)
    for (let i = 0; i < 100_000; i++) {
      call("refund", { syssn: p.right.syssn, txamt: "1", out_trade_no: `R${i}`, txdtm }, 0)
    }
    expect(model.transaction("T", 59_999)!.respcd).toBe("1145")
    expect(model.transaction("R99999", 100_000)!.respcd).toBe("1145")
    expect(model.transaction("T", 60_000)!.respcd).toBe("0000")
    expect(call("query", { out_trade_no: "R0,R99999" }, 100_001).json.data).toMatchObject([
      { respcd: "0000" },
      { respcd: "0000" }
    ])
  })
})

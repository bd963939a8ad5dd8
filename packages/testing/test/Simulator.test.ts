import { Response } from "@effect-qfpay/core"
import { Behaviour, FaultPlan, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Option, TestClock } from "effect"
import { call, respcd } from "./support.js"

const withSim = <A, E>(f: (sim: Simulator.Service) => Effect.Effect<A, E>, options: Simulator.Options = {}) =>
  Effect.flatMap(Simulator.make(options), f)

const refundParams = (syssn: string, txamt: number, out_trade_no: string) => ({
  syssn,
  txamt: String(txamt),
  out_trade_no,
  txdtm: "2026-11-22 10:00:00"
})

describe("every request", () => {
  it.effect("a bad app code, a bad signature or an unknown sign type answer 1108", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        const params = refundParams(p.syssn, 100, "R1")
        expect(respcd(yield* call(sim, "refund", params, { appCode: "NOPE" }))).toBe("1108")
        expect(respcd(yield* call(sim, "refund", params, { key: "wrong key" }))).toBe("1108")
        expect(respcd(yield* call(sim, "refund", params, { sign: (s) => s.slice(1) + "0" }))).toBe("1108")
        expect((yield* sim.refundsOf(p.syssn)).length).toBe(0)
        const log = yield* sim.requestLog
        expect(log.map((e) => e.signatureOk)).toEqual([false, false, false])
        expect(log.every((e) => !e.applied)).toBe(true)
      })
    ))

  it.effect("accepts a lower-case signature and SHA-256", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 100, "R1"), { sign: (s) => s.toLowerCase() })))
          .toBe("0000")
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 100, "R2"), { signType: "SHA256" }))).toBe(
          "0000"
        )
      })
    ))

  it.effect("a missing or malformed parameter answers 1104, naming it", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        const missing = yield* call(sim, "refund", { syssn: p.syssn, txamt: "100", txdtm: "2026-11-22 10:00:00" })
        expect(missing.lost === false && [missing.json.respcd, missing.json.respmsg]).toEqual([
          "1104",
          "out_trade_no: is missing"
        ])
        const malformed = yield* call(sim, "refund", refundParams(p.syssn, -5, "R1"))
        expect(respcd(malformed)).toBe("1104")
        const badTime = yield* call(sim, "refund", { ...refundParams(p.syssn, 5, "R1"), txdtm: "2026-11-22T10:00:00" })
        expect(respcd(badTime)).toBe("1104")
      })
    ))

  it.effect("mchid is required when issued and refused when not", () =>
    withSim(
      (sim) =>
        Effect.gen(function*() {
          const p = yield* sim.createPayment({ txamt: 1000 })
          expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 1, "R1")))).toBe("1104")
          expect(respcd(yield* call(sim, "refund", { ...refundParams(p.syssn, 1, "R1"), mchid: "MCH1" }))).toBe("0000")
        }),
      { credentials: [{ appCode: "APP", clientKey: "KEY", mchid: "MCH1" }] }
    ))

  it.effect("the wrong method or an unknown path is an HTTP error", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const served = yield* sim.serve({ method: "POST", path: "/trade/v1/close", params: {}, headers: {} })
        expect(served._tag === "Answer" && served.answer.status).toBe(405)
        const unknown = yield* sim.serve({ method: "POST", path: "/trade/v1/nothing", params: {}, headers: {} })
        expect(unknown._tag === "Answer" && unknown.answer.status).toBe(404)
      })
    ))
})

describe("payment", () => {
  it.effect("creates payments; a duplicate out_trade_no answers 1102", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const params = {
          txamt: "1000",
          txcurrcd: "HKD",
          pay_type: "800101",
          out_trade_no: "P1",
          txdtm: "2026-11-22 10:00:00"
        }
        const created = yield* call(sim, "payment", params)
        expect(created.lost === false && created.json.respcd).toBe("0000")
        expect(created.lost === false && created.json.syssn).toMatch(/^\d{26}$/)
        expect(respcd(yield* call(sim, "payment", params))).toBe("1102")
      })
    ))

  it.effect("answers in progress per behaviour, and settles after k enquiries", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        yield* sim.script("P1", Behaviour.pending({ code: "1143", afterEnquiries: 2 }))
        const created = yield* call(sim, "payment", {
          txamt: "1000",
          txcurrcd: "HKD",
          pay_type: "800101",
          out_trade_no: "P1",
          txdtm: "2026-11-22 10:00:00"
        })
        expect(respcd(created)).toBe("1143")
        const q1 = yield* call(sim, "query", { out_trade_no: "P1" })
        expect(q1.lost === false && q1.json.data[0].respcd).toBe("1143")
        const q2 = yield* call(sim, "query", { out_trade_no: "P1" })
        expect(q2.lost === false && q2.json.data[0].respcd).toBe("0000")
      })
    ))
})

describe("refund", () => {
  it.effect("checks, in order: unknown, not paid, duplicate, no refunds, partial, over the limit", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const paid = yield* sim.createPayment({ txamt: 1000, out_trade_no: "PAID" })
        const unpaid = yield* sim.createPayment({ txamt: 1000, state: { _tag: "Pending" } })
        const fps = yield* sim.createPayment({ txamt: 1000, pay_type: "802001" })
        expect(respcd(yield* call(sim, "refund", refundParams("20000101000000000000000001", 1, "R0")))).toBe("1268")
        expect(respcd(yield* call(sim, "refund", refundParams(unpaid.syssn, 1, "R0")))).toBe("1261")
        expect(respcd(yield* call(sim, "refund", refundParams(paid.syssn, 1, "PAID")))).toBe("1102")
        expect(respcd(yield* call(sim, "refund", refundParams(fps.syssn, 1, "R0")))).toBe("1155")
        yield* sim.setRules({ noPartialRefundPayTypes: ["800101"] })
        expect(respcd(yield* call(sim, "refund", refundParams(paid.syssn, 1, "R0")))).toBe("1271")
        yield* sim.setRules({ noPartialRefundPayTypes: [], noPartialRefundCurrencies: ["HKD"] })
        expect(respcd(yield* call(sim, "refund", refundParams(paid.syssn, 1, "R0")))).toBe("1270")
        yield* sim.setRules({ noPartialRefundCurrencies: [] })
        expect(respcd(yield* call(sim, "refund", refundParams(paid.syssn, 1001, "R0")))).toBe("1272")
        // None of that changed anything; R0 is still free.
        expect(respcd(yield* call(sim, "refund", refundParams(paid.syssn, 400, "R0")))).toBe("0000")
        expect(respcd(yield* call(sim, "refund", refundParams(paid.syssn, 400, "R0")))).toBe("1102")
      })
    ))

  it.effect("partial then full: cancel 5, then 3; the sum never passes the amount", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        const first = yield* call(sim, "refund", refundParams(p.syssn, 400, "R1"))
        expect(first.lost === false && [first.json.respcd, first.json.orig_syssn, first.json.txamt]).toEqual([
          "0000",
          p.syssn,
          "400"
        ])
        expect(Option.getOrThrow(yield* sim.transaction(p.syssn)).cancel).toBe(Response.Cancel.partiallyRefunded)
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 601, "R2")))).toBe("1272")
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 600, "R3")))).toBe("0000")
        expect(Option.getOrThrow(yield* sim.transaction(p.syssn)).cancel).toBe(Response.Cancel.refunded)
        expect(yield* sim.refundedTotal(p.syssn)).toBe(1000)
        expect((yield* sim.refundsOf(p.syssn)).map((r) => r.txamt)).toEqual([400, 600])
      })
    ))

  it.effect("a refund in progress holds its amount; one that then fails releases it", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        yield* sim.script("R1", Behaviour.pending({ afterEnquiries: 1, failWith: "1155" }))
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 1000, "R1")))).toBe("1145")
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 1, "R2")))).toBe("1272")
        const q = yield* call(sim, "query", { out_trade_no: "R1" })
        expect(q.lost === false && q.json.data[0].respcd).toBe("1155")
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 1000, "R3")))).toBe("0000")
      })
    ))

  it.effect("the optional blackout refuses refunds from 23:30 to 00:30 Hong Kong time", () =>
    withSim(
      (sim) =>
        Effect.gen(function*() {
          const p = yield* sim.createPayment({ txamt: 1000 })
          yield* TestClock.setTime(DateTime.unsafeMake("2026-11-22T15:45:00Z")) // 23:45 in Hong Kong
          expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 1, "R1")))).toBe("1265")
          yield* TestClock.setTime(DateTime.unsafeMake("2026-11-22T16:31:00Z")) // 00:31
          expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 1, "R1")))).toBe("0000")
        }),
      { rules: { refundBlackout: true } }
    ))

  it.effect("settles after Clock time when told to", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        yield* sim.script("R1", Behaviour.pending({ afterMillis: 5000 }))
        expect(respcd(yield* call(sim, "refund", refundParams(p.syssn, 100, "R1")))).toBe("1145")
        yield* TestClock.adjust("4 seconds")
        expect((yield* sim.refundsOf(p.syssn))[0].respcd).toBe("1145")
        yield* TestClock.adjust("1 second")
        expect((yield* sim.refundsOf(p.syssn))[0].respcd).toBe("0000")
        expect(yield* sim.refundedTotal(p.syssn)).toBe(100)
      })
    ))
})

describe("reversal and close", () => {
  const cancelParams = (syssn: string, txamt: number) => ({ syssn, txamt: String(txamt), txdtm: "2026-11-22 10:00:00" })

  it.effect("checks, in order: unknown, amount, paid, already reversed / closed, routing", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const paid = yield* sim.createPayment({ txamt: 1000 })
        const mpm = yield* sim.createPayment({ txamt: 1000, pay_type: "800101", state: { _tag: "Pending" } })
        const cpm = yield* sim.createPayment({ txamt: 1000, pay_type: "800208", state: { _tag: "Pending" } })
        expect(respcd(yield* call(sim, "reversal", cancelParams("20000101000000000000000001", 1000)))).toBe("1268")
        expect(respcd(yield* call(sim, "reversal", cancelParams(mpm.syssn, 999)))).toBe("1266")
        expect(respcd(yield* call(sim, "reversal", cancelParams(paid.syssn, 1000)))).toBe("1260")
        expect(respcd(yield* call(sim, "close", cancelParams(mpm.syssn, 1000)))).toBe("1250")
        expect(respcd(yield* call(sim, "reversal", cancelParams(cpm.syssn, 1000)))).toBe("1250")
        const reversed = yield* call(sim, "reversal", cancelParams(mpm.syssn, 1000))
        expect(reversed.lost === false && [reversed.json.respcd, reversed.json.orig_syssn]).toEqual(["0000", mpm.syssn])
        expect(reversed.lost === false && reversed.json.syssn).not.toBe(mpm.syssn)
        expect(respcd(yield* call(sim, "reversal", cancelParams(mpm.syssn, 1000)))).toBe("1263")
        expect(respcd(yield* call(sim, "close", cancelParams(cpm.syssn, 1000)))).toBe("0000")
        expect(respcd(yield* call(sim, "close", cancelParams(cpm.syssn, 1000)))).toBe("1264")
        expect(Option.getOrThrow(yield* sim.transaction(mpm.syssn)).cancel).toBe(Response.Cancel.mpmCancelled)
        expect(Option.getOrThrow(yield* sim.transaction(cpm.syssn)).cancel).toBe(Response.Cancel.cpmReversed)
        expect(respcd(yield* call(sim, "refund", refundParams(mpm.syssn, 1, "R1")))).toBe("1261")
      })
    ))

  it.effect("routing enforcement can be switched off", () =>
    withSim(
      (sim) =>
        Effect.gen(function*() {
          const mpm = yield* sim.createPayment({ txamt: 1000, pay_type: "800101", state: { _tag: "Pending" } })
          expect(respcd(yield* call(sim, "close", cancelParams(mpm.syssn, 1000)))).toBe("0000")
        }),
      { rules: { enforceRouting: false } }
    ))

  it.effect("in progress: answered again, not started twice; settles after enquiries", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000, out_trade_no: "P1", state: { _tag: "Pending" } })
        yield* sim.script("P1", Behaviour.pending({ afterEnquiries: 2 }))
        const first = yield* call(sim, "reversal", cancelParams(p.syssn, 1000))
        const again = yield* call(sim, "reversal", cancelParams(p.syssn, 1000))
        expect(respcd(first)).toBe("1145")
        expect(again.lost === false && first.lost === false && again.json.syssn).toBe(
          first.lost === false && first.json.syssn
        )
        yield* call(sim, "query", { syssn: p.syssn })
        expect(Option.getOrThrow(yield* sim.transaction(p.syssn)).cancel).toBe(0)
        yield* call(sim, "query", { syssn: p.syssn })
        expect(Option.getOrThrow(yield* sim.transaction(p.syssn)).cancel).toBe(Response.Cancel.mpmCancelled)
      })
    ))

  it.effect("a cancellation that fails after being in progress leaves a paid payment", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000, out_trade_no: "P1", state: { _tag: "Pending" } })
        yield* sim.script("P1", Behaviour.pending({ afterEnquiries: 1, failWith: "1260" }))
        expect(respcd(yield* call(sim, "reversal", cancelParams(p.syssn, 1000)))).toBe("1145")
        const q = yield* call(sim, "query", { syssn: p.syssn })
        expect(q.lost === false && [q.json.data[0].respcd, q.json.data[0].cancel]).toEqual(["0000", "0"])
      })
    ))
})

describe("query", () => {
  it.effect("rows for any of the given ids, payments and refunds, paginated", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const payments = yield* Effect.forEach(Array.from({ length: 25 }), () => sim.createPayment({ txamt: 100 }))
        yield* call(sim, "refund", refundParams(payments[0].syssn, 10, "R1"))
        const ids = payments.map((p) => p.syssn).join(",")
        const page2 = yield* call(sim, "query", { syssn: ids, page: "2", page_size: "10" })
        expect(page2.lost === false && page2.json.data.length).toBe(10)
        const page3 = yield* call(sim, "query", { syssn: ids, page: "3", page_size: "10" })
        expect(page3.lost === false && page3.json.data.length).toBe(5)
        const both = yield* call(sim, "query", { syssn: payments[0].syssn, out_trade_no: "R1" })
        expect(both.lost === false && both.json.data.map((r: any) => [r.order_type, r.origssn])).toEqual([
          ["payment", ""],
          ["refund", payments[0].syssn]
        ])
      })
    ))

  it.effect("page_size over 100 and ranges across months answer 1104", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        expect(respcd(yield* call(sim, "query", { syssn: "1", page_size: "101" }))).toBe("1104")
        expect(
          respcd(yield* call(sim, "query", { start_time: "2026-10-31 00:00:00", end_time: "2026-11-01 00:00:00" }))
        ).toBe("1104")
      })
    ))
})

describe("faults", () => {
  it.effect("each kind does what it says, for as many times as asked", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        yield* sim.addFaults(
          { operation: "refund", fault: FaultPlan.lostBefore },
          { operation: "refund", fault: FaultPlan.lostAfter },
          { operation: "refund", fault: FaultPlan.rateLimited(3) },
          { operation: "refund", fault: FaultPlan.serverError(503, false) },
          { operation: "refund", fault: FaultPlan.nonJson(true) },
          { operation: "refund", fault: FaultPlan.truncatedJson }
        )
        const lostBefore = yield* call(sim, "refund", refundParams(p.syssn, 1, "A"))
        const lostAfter = yield* call(sim, "refund", refundParams(p.syssn, 1, "B"))
        const limited = yield* call(sim, "refund", refundParams(p.syssn, 1, "C"))
        const server = yield* call(sim, "refund", refundParams(p.syssn, 1, "D"))
        const html = yield* call(sim, "refund", refundParams(p.syssn, 1, "E"))
        const truncated = yield* call(sim, "refund", refundParams(p.syssn, 1, "F"))
        const clean = yield* call(sim, "refund", refundParams(p.syssn, 1, "G"))
        expect(lostBefore).toEqual({ lost: true, applied: false })
        expect(lostAfter).toEqual({ lost: true, applied: true })
        expect(limited.lost === false && [limited.status, limited.headers["retry-after"]]).toEqual([429, "3"])
        expect(server.lost === false && server.status).toBe(503)
        expect(html.lost === false && [html.status, html.json]).toEqual([200, undefined])
        expect(truncated.lost === false && [truncated.status, truncated.json]).toEqual([200, undefined])
        expect(respcd(clean)).toBe("0000")
        // Applied: B (lost after), E (non-JSON, applied), F (truncated), G.
        expect((yield* sim.refundsOf(p.syssn)).map((r) => r.out_trade_no)).toEqual(["B", "E", "F", "G"])
        expect((yield* sim.requestLog).map((e) => e.fault)).toEqual([
          "LostBefore",
          "LostAfter",
          "RateLimited",
          "ServerError",
          "NonJson",
          "TruncatedJson",
          undefined
        ])
      })
    ))

  it.effect("latency delays the answer on Clock", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        yield* sim.addFaults({ fault: FaultPlan.latency(2500) })
        const fiber = yield* Effect.fork(call(sim, "query", { syssn: "1" }))
        yield* TestClock.adjust("2 seconds")
        expect((yield* sim.requestLog).length).toBe(0)
        yield* TestClock.adjust("1 second")
        yield* Effect.yieldNow()
        const answer = yield* fiber.await
        expect(answer._tag).toBe("Success")
        expect((yield* sim.requestLog)[0].at).toBe(2500)
      })
    ))

  it.effect("a seeded plan is deterministic", () =>
    Effect.gen(function*() {
      const run = (seed: number) =>
        withSim(
          (sim) =>
            Effect.gen(function*() {
              for (let i = 0; i < 50; i++) yield* call(sim, "query", { syssn: "1" })
              return (yield* sim.requestLog).map((e) => e.fault ?? "-").join(",")
            }),
          { faults: FaultPlan.seeded(seed, { rate: 0.5 }) }
        )
      const a = yield* run(42)
      expect(yield* run(42)).toBe(a)
      expect(yield* run(43)).not.toBe(a)
      expect(a.split(",").filter((f) => f !== "-").length).toBeGreaterThan(10)
    }))
})

describe("inspection", () => {
  it.effect("the request log holds decoded parameters, never the key", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const p = yield* sim.createPayment({ txamt: 1000 })
        yield* call(sim, "refund", refundParams(p.syssn, 100, "R1"))
        const log = yield* sim.requestLog
        expect(log[0]).toMatchObject({
          path: "/trade/v1/refund",
          operation: "refund",
          signatureOk: true,
          respcd: "0000",
          applied: true
        })
        expect(log[0].params).toEqual(refundParams(p.syssn, 100, "R1"))
        expect(JSON.stringify(log)).not.toContain(sim.credential.clientKey)
      })
    ))

  it.effect("transaction numbers are 26 digits starting with the local date, and unique", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        yield* TestClock.setTime(DateTime.unsafeMake("2026-11-22T17:00:00Z")) // 01:00 on the 23rd in Hong Kong
        const payments = yield* Effect.forEach(Array.from({ length: 100 }), () => sim.createPayment({ txamt: 1 }))
        expect(payments.every((p) => /^20261123\d{18}$/.test(p.syssn))).toBe(true)
        expect(new Set(payments.map((p) => p.syssn)).size).toBe(100)
      })
    ))
})

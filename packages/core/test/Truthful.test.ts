/**
 * Issue #10: every reported outcome is true (PROTOCOL §7 as amended). Each rule has its own
 * table of scenarios against the simulator: faults and scripts make QFPay apply an operation and
 * then answer something odd; the tests check what the program reports against the simulator's
 * ledger.
 */
import {
  Endpoint,
  Handle,
  OperationObserver,
  type OperationState,
  OutTradeNoGenerator,
  PollPolicy,
  pollUntilSettled,
  type QFPayConfig,
  reconcile,
  refund,
  RetryPolicy,
  reverse,
  type Transport,
  undo
} from "@effect-qfpay/core"
import { Behaviour, FaultPlan, QFPayTest, Simulator, VirtualClock } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Exit, Fiber, Option, Schedule } from "effect"
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const fixed = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), { firstDelay: "3 seconds", deadline: "30 seconds" })
const retry = RetryPolicy.make({ jitter: false, base: "500 millis", retries: 5 })

const layer = (simulator: Simulator.Options = {}) => QFPayTest.layerWith({ simulator, config: { poll: fixed, retry } })

// Each scenario runs whole on one virtual clock (time never goes back between its steps), with
// a fresh simulator.
const scenario = <A, E>(
  body: Effect.Effect<A, E, Simulator.Simulator | QFPayConfig.QFPayConfig | Transport.Transport>
) => VirtualClock.settle(body).pipe(Effect.provide(layer()))

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const e = Cause.failureOption(exit.cause)
  if (Option.isNone(e)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return e.value
}

const sim = Simulator.Simulator
const log = (operation: string) =>
  Effect.flatMap(sim, (s) => Effect.map(s.requestLog, (l) => l.filter((e) => e.operation === operation)))

describe("rule 1: duplicates are looked up, on any attempt", () => {
  it.effect("the same intent from three concurrent runs: one refund, all three settled", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      const receipts = yield* (
        Effect.all(
          [1, 2, 3].map(() => refund({ syssn: p.syssn, txamt: 300, out_trade_no: "INTENT-3" })),
          { concurrency: "unbounded" }
        )
      )
      expect(receipts.map((r) => r.out_trade_no)).toEqual(["INTENT-3", "INTENT-3", "INTENT-3"])
      expect(new Set(receipts.map((r) => r.syssn)).size).toBe(1)
      expect(receipts.map((r) => r.confirmed_by).sort()).toEqual(["found", "found", "response"])
      expect(yield* s.refundsOf(p.syssn)).toHaveLength(1)
      expect(yield* s.refundedTotal(p.syssn)).toBe(300)
    })))

  it.effect("the same intent, still in progress, found and polled by a second run", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.script("INTENT-P", Behaviour.pending({ afterEnquiries: 2 }))
      const first = failure(
        yield* Effect.exit(
          refund({ syssn: p.syssn, txamt: 300, out_trade_no: "INTENT-P" }, {
            poll: PollPolicy.make({ deadline: "1 second" })
          })
        )
      )
      expect(first._tag).toBe("StillPending")
      const second = yield* refund({ syssn: p.syssn, txamt: 300, out_trade_no: "INTENT-P" })
      expect(second.confirmed_by).toBe("found")
      expect(yield* s.refundsOf(p.syssn)).toHaveLength(1)
    })))

  it.effect("retrying an OutcomeUnknown with the same id settles it, not 'rejected 1102'", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.lostAfter },
        { operation: "query", fault: FaultPlan.lostBefore, times: 6 }
      )
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 500, out_trade_no: "MINE-1" })))
      expect(error._tag).toBe("OutcomeUnknown")
      const receipt = yield* refund({ syssn: p.syssn, txamt: 500, out_trade_no: "MINE-1" })
      expect(receipt.confirmed_by).toBe("found")
      expect(yield* s.refundsOf(p.syssn)).toHaveLength(1)
    })))

  it.effect("an id used for another payment, or another amount: IdempotencyKeyReused with the row found", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const a = yield* s.createPayment({ txamt: 1000 })
      const b = yield* s.createPayment({ txamt: 1000 })
      const first = yield* refund({ syssn: a.syssn, txamt: 300, out_trade_no: "SHARED" })
      for (const input of [{ syssn: b.syssn, txamt: 300 }, { syssn: a.syssn, txamt: 200 }]) {
        const error = failure(yield* Effect.exit(refund({ ...input, out_trade_no: "SHARED" })))
        expect(error._tag).toBe("IdempotencyKeyReused")
        if (error._tag !== "IdempotencyKeyReused") return
        expect(error.found).toMatchObject({ syssn: first.syssn, origssn: a.syssn, txamt: 300 })
        expect(error.message).toContain("names another operation")
      }
      expect((yield* s.transactions).filter((t) => t.kind === "refund")).toHaveLength(1)
    })))

  it.effect("a duplicate the enquiry does not show is OutcomeUnknown with the handle, never Rejected", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.answer("1102") },
        { operation: "query", fault: FaultPlan.body(`{"respcd":"0000","data":[]}`), times: 10 }
      )
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 500 })))
      expect(error._tag).toBe("OutcomeUnknown")
      expect(error._tag === "OutcomeUnknown" && error.handle.out_trade_no).toBeDefined()
    })))

  it.effect("a reversal done by an earlier run: 1263 on the first attempt is looked up and settled", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 300, pay_type: "800101", state: { _tag: "Pending" } })
      yield* reverse({ syssn: p.syssn, txamt: 300, txdtm: p.txdtm })
      const again = yield* reverse({ syssn: p.syssn, txamt: 300, txdtm: p.txdtm })
      expect(again.confirmed_by).toBe("found")
      expect(again.orig_syssn).toBe(p.syssn)
    })))

  it.effect("a reversal applied, its answer lost, the enquiry stale, the resubmission 1263: settled", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 300, pay_type: "800101", state: { _tag: "Pending" } })
      const stale = JSON.stringify({
        respcd: "0000",
        data: [{ syssn: p.syssn, out_trade_no: p.out_trade_no, respcd: "1143", cancel: "0", txamt: "300" }]
      })
      yield* s.addFaults(
        { operation: "reversal", fault: FaultPlan.lostAfter },
        { operation: "query", fault: FaultPlan.body(stale) }
      )
      const receipt = yield* reverse({ syssn: p.syssn, txamt: 300, txdtm: p.txdtm })
      expect(receipt.confirmed_by).toBe("enquiry")
      expect((yield* s.requestLog).map((e) => e.operation)).toEqual(["reversal", "query", "reversal", "query"])
    })))
})

describe("rule 2: a retryable answer to a mutating request may have been applied", () => {
  it.effect("applied, answered 1295, the retry answered 1102: looked up and followed", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.answer("1295", true) })
      const receipt = yield* refund({ syssn: p.syssn, txamt: 400 })
      expect(receipt.confirmed_by).toBe("enquiry")
      expect((yield* log("refund")).map((e) => e.respcd)).toEqual(["0000", "1102"])
      expect(yield* s.refundedTotal(p.syssn)).toBe(400)
    })))

  it.effect("applied, answer lost, enquiry lagging, resubmission refused 1272: the refund is found, not Rejected", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.lostAfter },
        { operation: "query", fault: FaultPlan.body(`{"respcd":"0000","data":[]}`) },
        { operation: "refund", fault: FaultPlan.answer("1272") }
      )
      const receipt = yield* refund({ syssn: p.syssn, txamt: 1000 })
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(yield* s.refundsOf(p.syssn)).toHaveLength(1)
    })))

  it.effect("retryable codes that never clear, nothing applied: Rejected of class retryable", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.answer("1205"), times: 20 })
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1000 })))
      expect(error._tag === "Rejected" && error.class).toBe("retryable")
      expect(error._tag === "Rejected" && error.handle).toBeDefined()
      expect(yield* s.refundsOf(p.syssn)).toHaveLength(0)
    })))
})

describe("rule 3: enquiry failures never become rejections", () => {
  const enquiryFaults: ReadonlyArray<[string, FaultPlan.Fault, string | undefined]> = [
    ["1104", FaultPlan.answer("1104"), "1104"],
    ["1108", FaultPlan.answer("1108"), "1108"],
    ["1145", FaultPlan.answer("1145"), "1145"],
    ["9999", FaultPlan.answer("9999"), "9999"],
    ["HTTP 500", FaultPlan.serverError(500), "500"],
    ["garbage", FaultPlan.body("<html>oops</html>"), undefined]
  ]
  for (const [name, fault, code] of enquiryFaults) {
    it.effect(`after a lost answer, an enquiry answering ${name}: OutcomeUnknown with the handle`, () =>
      scenario(Effect.gen(function*() {
        const s = yield* sim
        const p = yield* s.createPayment({ txamt: 1000 })
        yield* s.addFaults(
          { operation: "refund", fault: FaultPlan.lostAfter },
          { operation: "query", fault, times: 50 }
        )
        const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1000 })))
        expect(error._tag).toBe("OutcomeUnknown")
        if (error._tag !== "OutcomeUnknown") return
        expect(error.handle._tag).toBe("RefundHandle")
        if (code !== undefined) expect(error.detail).toContain(code)
        // Reconciling later, on a healthy network, finds the one refund.
        yield* s.clearFaults
        const receipt = yield* reconcile(error.handle)
        expect(receipt.confirmed_by).toBe("found")
        expect(yield* s.refundsOf(p.syssn)).toHaveLength(1)
      })))

    it.effect(`while polling, an enquiry answering ${name}: StillPending with the handle`, () =>
      scenario(Effect.gen(function*() {
        const s = yield* sim
        const p = yield* s.createPayment({ txamt: 1000 })
        yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
        yield* s.addFaults({ operation: "query", fault, times: 50 })
        const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1000 })))
        expect(error._tag).toBe("StillPending")
        if (error._tag === "StillPending" && code !== undefined) expect(error.message).toContain(code)
      })))
  }
})

describe("rule 4: generated ids come from the platform CSPRNG", () => {
  it("draws from crypto.getRandomValues (a counting source), 122 bits at least", () => {
    let calls = 0
    let bytes = 0
    const source = (array: Uint8Array) => {
      calls++
      bytes += array.length
      return globalThis.crypto.getRandomValues(array)
    }
    const id = Effect.runSync(OutTradeNoGenerator.fromRandomBytes(source).next)
    expect(id).toMatch(/^[A-Z0-9]{32}$/)
    expect(calls).toBeGreaterThan(0)
    expect(bytes * 8).toBeGreaterThanOrEqual(122)
  })

  it("a million ids are all different", () => {
    const ids = Effect.runSync(Effect.replicateEffect(OutTradeNoGenerator.cryptoRandom.next, 1_000_000))
    expect(new Set(ids).size).toBe(1_000_000)
  })

  it("two processes started at the same time, with the same Math.random, give different ids", () => {
    const core = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js")
    const script = `
      Date.now = () => 1700000000000; Math.random = () => 0.5
      const { OutTradeNoGenerator } = await import(${JSON.stringify(core)})
      const { Effect } = await import("effect")
      console.log(Effect.runSync(OutTradeNoGenerator.OutTradeNoGenerator.pipe(Effect.flatMap((g) => g.next))))`
    const run = () => execFileSync(process.execPath, ["--input-type=module", "-e", script]).toString().trim()
    const [a, b] = [run(), run()]
    expect(a).toMatch(/^[A-Z0-9]{32}$/)
    expect(a).not.toBe(b)
  })
})

describe("rule 5: a Retry-After beyond what the policy allows fails at once", () => {
  it.effect("429 with Retry-After 3600: RateLimited at once, carrying retryAfter", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.rateLimited(3600) })
      const start = yield* Clock.currentTimeMillis
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 100 })))
      expect(error._tag).toBe("RateLimited")
      if (error._tag === "RateLimited") expect(Duration.toSeconds(error.retryAfter!)).toBe(3600)
      expect((yield* log("refund")).length).toBe(1)
      expect((yield* Clock.currentTimeMillis) - start).toBeLessThan(60_000)
    })))

  it.effect("after an ambiguous attempt, a far Retry-After is OutcomeUnknown with the handle", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults(
        { operation: "refund", fault: FaultPlan.serverError(502, false) },
        { operation: "refund", fault: FaultPlan.rateLimited(3600) }
      )
      const error = failure(yield* Effect.exit(refund({ syssn: p.syssn, txamt: 100 })))
      expect(error._tag).toBe("OutcomeUnknown")
    })))

  it.effect("while polling, a Retry-After past the deadline: StillPending now", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
      yield* s.addFaults({ operation: "query", fault: FaultPlan.rateLimited(3600) })
      const exit = yield* Effect.exit(refund({ syssn: p.syssn, txamt: 100 }))
      const error = failure(exit)
      expect(error._tag).toBe("StillPending")
      if (error._tag === "StillPending") expect(Duration.toMillis(error.elapsed)).toBeLessThanOrEqual(30_000)
    })))
})

describe("rule 6: an interrupted operation can be resumed", () => {
  it.effect("the observer has the handle before the first send; reconcile settles the one refund", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.addFaults({ operation: "refund", fault: FaultPlan.latency(10_000) })
      const states: Array<OperationState.OperationState> = []
      const sentBeforeFirstState: Array<number> = []
      const observer = OperationObserver.make((state) =>
        Effect.flatMap(s.requestLog, (l) =>
          Effect.sync(() => {
            if (states.length === 0) sentBeforeFirstState.push(l.length)
            states.push(state)
          }))
      )
      const exit = yield* Effect.exit(
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(
            refund({ syssn: p.syssn, txamt: 400 }).pipe(
              Effect.provideService(OperationObserver.OperationObserver, observer)
            )
          )
          yield* Effect.sleep("1 second")
          yield* Fiber.interrupt(fiber)
        })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sentBeforeFirstState).toEqual([0])
      const handle = states[0].handle
      expect(handle._tag).toBe("RefundHandle")
      const receipt = yield* reconcile(handle)
      expect(receipt.out_trade_no).toBe(handle.out_trade_no)
      expect(yield* s.refundsOf(p.syssn)).toHaveLength(1)
    })))
})

describe("rule 7: undo gives back what is left", () => {
  it.effect("a partly refunded payment without an amount: the rest is refunded", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* refund({ syssn: p.syssn, txamt: 300 })
      const result = yield* undo({ syssn: p.syssn })
      expect(result._tag).toBe("Refunded")
      expect(result._tag === "Refunded" && result.receipt.txamt).toBe(700)
      expect(yield* s.refundedTotal(p.syssn)).toBe(1000)
    })))

  it.effect("bad input is InvalidRequest and nothing is sent", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const error = failure(yield* Effect.exit(undo({ syssn: "20191227000200020061752831", txamt: -5 })))
      expect(error._tag).toBe("InvalidRequest")
      expect(yield* s.requestLog).toHaveLength(0)
    })))
})

describe("rule 8: resuming a poll", () => {
  it.effect("a handle submitted longer ago than the first delay is enquired at once", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 100 })))
      const error = failure(
        yield* Effect.exit(refund({ syssn: p.syssn, txamt: 100 }, { poll: PollPolicy.make({ deadline: "1 second" }) }))
      )
      if (error._tag !== "StillPending") throw new Error(error._tag)
      yield* Effect.sleep("1 minute")
      yield* s.settle(error.handle.out_trade_no!)
      const before = (yield* s.requestLog).length
      const resumedAt = yield* Clock.currentTimeMillis
      const receipt = yield* pollUntilSettled(error.handle)
      const queries = (yield* s.requestLog).slice(before)
      expect(receipt.txamt).toBe(100)
      expect(queries.map((q) => q.at - resumedAt)).toEqual([0])
    })))

  it.effect("a deadline shorter than the first delay still makes one enquiry", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const p = yield* s.createPayment({ txamt: 1000 })
      const done = yield* refund({ syssn: p.syssn, txamt: 100 })
      const handle = Handle.RefundHandle.make({
        syssn: p.syssn as any,
        out_trade_no: done.out_trade_no!,
        txamt: 100 as any,
        txdtm: done.txdtm!
      })
      const receipt = yield* pollUntilSettled(
        handle,
        PollPolicy.make({ firstDelay: "3 seconds", deadline: "2 seconds" })
      )
      expect(receipt.syssn).toBe(done.syssn)
    })))
})

describe("rule 9: an answer that does not match the request is not a receipt", () => {
  const tampered: ReadonlyArray<[string, Record<string, string>]> = [
    ["out_trade_no", { out_trade_no: "SOMEONE-ELSE" }],
    ["orig_syssn", { orig_syssn: "20000101000000000000000001" }],
    ["txamt", { txamt: "999" }]
  ]
  for (const [field, fields] of tampered) {
    it.effect(`a 0000 with another ${field}: reconciled by the enquiry`, () =>
      scenario(Effect.gen(function*() {
        const s = yield* sim
        const p = yield* s.createPayment({ txamt: 1000 })
        yield* s.addFaults({ operation: "refund", fault: FaultPlan.tamper(fields) })
        const receipt = yield* refund({ syssn: p.syssn, txamt: 100 })
        expect(receipt.confirmed_by).toBe("enquiry")
        expect(receipt.txamt).toBe(100)
        expect((yield* s.requestLog).map((e) => e.operation)).toEqual(["refund", "query"])
      })))
  }
})

describe("Endpoint", () => {
  it("is still the table of operations", () => {
    expect(Endpoint.refund.mutating).toBe(true)
  })
})

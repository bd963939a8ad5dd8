/**
 * Durable operations on the in-memory engine and on SQLite, against the simulator.
 */
import { PollPolicy } from "@effect-qfpay/core"
import { Durable, Journal, Workflows } from "@effect-qfpay/durable"
import * as DurableSqlite from "@effect-qfpay/durable/DurableSqlite"
import { Behaviour, FaultPlan, QFPayTest, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const fast: Workflows.Settings = {
  poll: PollPolicy.make({ firstDelay: "20 millis", interval: "20 millis", deadline: "200 millis", jitter: false }),
  waits: [Duration.millis(50), Duration.millis(100)],
  maxFollowUps: 200,
  inMemoryThreshold: Duration.millis(10)
}

const client = (simulator: Simulator.Options = {}) => QFPayTest.layerWith({ simulator })

const memory = (simulator: Simulator.Options = {}) => Durable.layerMemory.pipe(Layer.provideMerge(client(simulator)))

const withFast = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Workflows.DurableSettings, fast)

describe("Durable (in memory)", () => {
  it.live("a refund settles once; the same intent again returns the same receipt", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const p = yield* sim.createPayment({ txamt: 1000 })
      const first = yield* Durable.refund("refund-order-1", { syssn: p.syssn, txamt: 400 })
      const again = yield* Durable.refund("refund-order-1", { syssn: p.syssn, txamt: 400 })
      expect(again).toEqual(first)
      expect(yield* sim.refundsOf(p.syssn)).toHaveLength(1)
      const status = yield* Durable.status("refund-order-1")
      expect(status).toMatchObject({ state: "settled", kind: "refund" })
      expect(status.handle?.out_trade_no).toBe(first.out_trade_no)
    })).pipe(Effect.provide(memory())))

  it.live("concurrent calls with one intent move money once", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const p = yield* sim.createPayment({ txamt: 1000 })
      const receipts = yield* Effect.all(
        Array.from({ length: 5 }, () => Durable.refund("refund-order-2", { syssn: p.syssn, txamt: 300 })),
        { concurrency: "unbounded" }
      )
      expect(new Set(receipts.map((r) => r.syssn)).size).toBe(1)
      expect(yield* sim.refundedTotal(p.syssn)).toBe(300)
    })).pipe(Effect.provide(memory())))

  it.live("the same intent with another amount is IntentConflict, and nothing is sent", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const p = yield* sim.createPayment({ txamt: 1000 })
      yield* Durable.refund("refund-order-3", { syssn: p.syssn, txamt: 300 })
      const before = (yield* sim.requestLog).length
      const error = yield* Effect.flip(Durable.refund("refund-order-3", { syssn: p.syssn, txamt: 200 }))
      expect(error._tag).toBe("IntentConflict")
      expect(error.message).toContain("one intent names one operation")
      expect((yield* sim.requestLog).length).toBe(before)
    })).pipe(Effect.provide(memory())))

  it.live("in progress and lost answers: followed up durably until settled", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 25 })))
      yield* sim.addFaults({ operation: "refund", fault: FaultPlan.lostAfter })
      const p = yield* sim.createPayment({ txamt: 1000 })
      const receipt = yield* Durable.refund("refund-order-4", { syssn: p.syssn, txamt: 700 }, { wait: "30 seconds" })
      expect(receipt.txamt).toBe(700)
      expect(yield* sim.refundsOf(p.syssn)).toHaveLength(1)
      expect((yield* Durable.list({ state: "settled" })).map((s) => s.intent)).toEqual(["refund-order-4"])
    })).pipe(Effect.provide(memory())))

  it.live("a definite failure is recorded: failed in the journal, typed to the caller", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const p = yield* sim.createPayment({ txamt: 100 })
      const error = yield* Effect.flip(Durable.refund("refund-order-5", { syssn: p.syssn, txamt: 500 }))
      expect(error._tag === "Rejected" && error.code).toBe("1272")
      expect(yield* Durable.status("refund-order-5")).toMatchObject({ state: "failed" })
    })).pipe(Effect.provide(memory())))

  it.live("bad input and a bad intent are InvalidRequest before anything is recorded", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      expect((yield* Effect.flip(Durable.refund("refund order", { syssn: "1", txamt: 5 })))._tag).toBe("InvalidRequest")
      expect((yield* Effect.flip(Durable.refund("r-1", { syssn: "1", txamt: -5 })))._tag).toBe("InvalidRequest")
      expect(yield* Durable.list()).toHaveLength(0)
      expect(yield* sim.requestLog).toHaveLength(0)
    })).pipe(Effect.provide(memory())))

  it.live("cancel and undo, durably", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const unpaid = yield* sim.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
      const cancelled = yield* Durable.cancel("cancel-order-6", {
        syssn: unpaid.syssn,
        txamt: 500,
        txdtm: unpaid.txdtm,
        pay_type: unpaid.pay_type
      })
      expect(cancelled.operation).toBe("reversal")
      const paid = yield* sim.createPayment({ txamt: 800 })
      const undone = yield* Durable.undo("undo-order-7", { syssn: paid.syssn })
      expect(undone._tag === "Refunded" && undone.receipt.txamt).toBe(800)
      expect(yield* sim.refundedTotal(paid.syssn)).toBe(800)
    })).pipe(Effect.provide(memory())))
})

describe("Durable: what follows up, and what ends", () => {
  it.live("an undo whose enquiry lags: asked once more, and undone once the payment shows", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const p = yield* sim.createPayment({ txamt: 600 })
      yield* sim.addFaults({ operation: "query", fault: FaultPlan.body(`{"respcd":"0000","data":[]}`), times: 1 })
      const result = yield* Durable.undo("undo-lag", { syssn: p.syssn })
      expect(result._tag === "Refunded" && result.receipt.txamt).toBe(600)
    })).pipe(Effect.provide(memory())))

  it.live("an unknown payment: asked twice, then TransactionNotFound, recorded failed", () =>
    withFast(Effect.gen(function*() {
      const error = yield* Effect.flip(Durable.undo("undo-unknown", { syssn: "20000101000000000000000000" }))
      expect(error._tag).toBe("TransactionNotFound")
      expect(yield* Durable.status("undo-unknown")).toMatchObject({ state: "failed" })
    })).pipe(Effect.provide(memory())))

  it.live("a refund QFPay shows failed with a 'retry later' code has used its id: failed after a few follow-ups", () =>
    withFast(Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1, failWith: "1205" })))
      const p = yield* sim.createPayment({ txamt: 600 })
      const error = yield* Effect.flip(Durable.refund("refund-failed-1205", { syssn: p.syssn, txamt: 100 }))
      expect(error._tag === "Rejected" && error.code).toBe("1205")
      expect(yield* Durable.status("refund-failed-1205")).toMatchObject({ state: "failed" })
    })).pipe(Effect.provide(memory())))

  it.live("given up after the last follow-up: recorded failed in the journal, OutcomeUnknown to the caller", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ never: true })))
      const p = yield* sim.createPayment({ txamt: 600 })
      const error = yield* Effect.flip(Durable.refund("refund-never", { syssn: p.syssn, txamt: 100 }))
      expect(error._tag).toBe("OutcomeUnknown")
      expect(yield* Durable.status("refund-never")).toMatchObject({ state: "failed" })
    }).pipe(
      Effect.provideService(Workflows.DurableSettings, { ...fast, maxFollowUps: 2 }),
      Effect.provide(memory())
    ))
})

describe("Durable (SQLite)", () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "qfpay-durable-"))

  it.live("one runner per file: a second one is refused with a clear error", () =>
    Effect.gen(function*() {
      const filename = Path.join(dir, "one.db")
      const layer = DurableSqlite.layer({ filename, pollInterval: "50 millis" }).pipe(Layer.provide(client()))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(layer)
        const second = yield* Effect.exit(Effect.scoped(Layer.build(layer)))
        expect(Exit.isFailure(second)).toBe(true)
        if (Exit.isFailure(second)) {
          expect(String(second.cause)).toContain("only one process may run durable operations")
        }
      }))
      // Released with the first runner: a new one starts.
      yield* Effect.scoped(Layer.build(layer))
    }))

  it.live("a refund recorded in SQLite survives the runner: a new runner finds it settled", () =>
    withFast(Effect.gen(function*() {
      const filename = Path.join(dir, "two.db")
      const simulator = yield* Simulator.make()
      const transportLayer = Layer.mergeAll(
        Layer.succeed(Simulator.Simulator, simulator),
        QFPayTest.layerFrom(simulator)
      )
      const layer = DurableSqlite.layer({ filename, pollInterval: "50 millis" }).pipe(
        Layer.provideMerge(transportLayer)
      )
      const p = yield* simulator.createPayment({ txamt: 1000 })
      const first = yield* Durable.refund("refund-sqlite-1", { syssn: p.syssn, txamt: 250 }).pipe(Effect.provide(layer))
      const again = yield* Durable.refund("refund-sqlite-1", { syssn: p.syssn, txamt: 250 }).pipe(Effect.provide(layer))
      expect(again.syssn).toBe(first.syssn)
      const listed = yield* Durable.list().pipe(Effect.provide(layer))
      expect(listed.map((s) => [s.intent, s.state])).toEqual([["refund-sqlite-1", "settled"]])
      expect(yield* simulator.refundsOf(p.syssn)).toHaveLength(1)
    })))
})

void Journal

/**
 * The invariant flows once through the real HTTP layer against the sandbox server: seeded
 * behaviours and faults (dropped connections, 429, 5xx, broken bodies) on loopback.
 */
import { refund } from "@effect-qfpay/core"
import { Behaviour, FaultPlan, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Logger, LogLevel } from "effect"
import { bothTransports, overHttp } from "./support.js"

describe.each(bothTransports)("invariants over HTTP, %s", (transport) => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it.live(`seed ${seed}: one intent moves money once, settled sums stay within the amount, receipts match`, () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const payment = yield* Effect.orDie(sim.createPayment({ txamt: 1000 }))
        for (const txamt of [300, 300, 500, 200]) {
          const before = (yield* sim.refundsOf(payment.syssn)).length
          // By index, not position: the log keeps only its last entries.
          const logBefore = yield* sim.requestCount
          const exit = yield* Effect.exit(refund({ syssn: payment.syssn, txamt }))
          const rows = (yield* sim.refundsOf(payment.syssn)).slice(before)
          expect(rows.length).toBeLessThanOrEqual(1)
          const ids = new Set(
            (yield* sim.requestLog).filter((e) => e.index >= logBefore && e.operation === "refund").map((e) =>
              e.params.out_trade_no
            )
          )
          expect(ids.size).toBeLessThanOrEqual(1)
          if (Exit.isSuccess(exit)) {
            expect(rows[0]?.respcd).toBe("0000")
            expect(rows[0]?.out_trade_no).toBe(exit.value.out_trade_no)
          }
        }
        const settled = (yield* sim.refundsOf(payment.syssn)).filter((r) => r.respcd === "0000")
        expect(settled.reduce((sum, r) => sum + r.txamt, 0)).toBeLessThanOrEqual(1000)
      }).pipe(
        Effect.provide(
          overHttp(transport, {
            simulator: {
              behaviour: Behaviour.seeded(seed, { pendingRate: 0.3, maxEnquiries: 2 }),
              faults: FaultPlan.seeded(seed, { rate: 0.3, operations: ["refund", "query"] })
            }
          })
        ),
        Logger.withMinimumLogLevel(LogLevel.None)
      ))
  }
})

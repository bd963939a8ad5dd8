/**
 * "Testing your flows": a property test of a merchant's own flow, against the test layer.
 *
 * The flow under test is `cancelOrder`: whatever state the order's payment is in, undo it.
 * The property: under any behaviour (answers in progress, settling late, failing) and any
 * faults (lost requests, lost answers, 429, 5xx, broken bodies), the customer is never
 * refunded more than they paid, and when `cancelOrder` says "done", QFPay agrees.
 */
import { undo } from "@effect-qfpay/core"
import { Arbitraries, QFPayTest, Simulator, VirtualClock } from "@effect-qfpay/testing"
import { expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Logger, LogLevel, Option } from "effect"

// The merchant's flow: what a backend would write.
const cancelOrder = (paymentSyssn: string) =>
  undo({ syssn: paymentSyssn }).pipe(
    Effect.map((result) => (result._tag === "NothingToUndo" ? "nothing to do" : "done")),
    Effect.catchTags({
      StillPending: () => Effect.succeed("try again later"),
      OutcomeUnknown: () => Effect.succeed("try again later")
    })
  )

it("cancelOrder never over-refunds, and 'done' means done", async () => {
  await fc.assert(
    fc.asyncProperty(
      Arbitraries.payment,
      Arbitraries.behaviour(),
      Arbitraries.faultPlan({ rate: 0.3 }),
      (payment, behaviour, faults) =>
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const created = yield* Effect.orDie(sim.createPayment(payment))
          const exit = yield* Effect.exit(cancelOrder(created.syssn))
          const after = Option.getOrThrow(yield* sim.transaction(created.syssn))
          expect(after.refunded).toBeLessThanOrEqual(after.txamt)
          if (Exit.isSuccess(exit) && exit.value === "done") {
            const undone = after.cancel === 1 || after.cancel === 2 || after.refunded === after.txamt
            expect(undone).toBe(true)
          }
        }).pipe(
          // Polling and backoff run on virtual time: no real waiting.
          VirtualClock.settle,
          Effect.provide(QFPayTest.layerWith({ simulator: { behaviour, faults } })),
          Logger.withMinimumLogLevel(LogLevel.None),
          Effect.runPromise
        )
    ),
    { numRuns: 300 }
  )
})

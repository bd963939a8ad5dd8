/**
 * "Cancelling an order never refunds more than was paid, even with faults and client retries."
 *
 * A property test of the backend's own flow, `Orders.cancelOrder` (what `POST
 * /orders/:id/cancel` runs), against the test layer. The pattern, for any flow of your own:
 *
 * 1. Generate a world: orders whose payments are in any state, a QFPay that answers "in
 *    progress" or fails, faults on the wire (lost requests and answers, 429, 5xx, garbage,
 *    tampered answers), and a client that retries whenever it likes, at once or later.
 * 2. Run the real flow in it: the in-memory simulator (`QFPayTest`) behind the real programs,
 *    the in-memory durable engine (`Durable.layerMemory`) as the runner, all on virtual time
 *    (`VirtualClock`), so that polling, backoff and the runner's waits of minutes or days take
 *    no real time.
 * 3. Assert on the simulator's state, the money, and only then on what the flow said.
 *
 * When it fails, fast-check shrinks the world to a small one and prints it: the seeds, the
 * payments, the retries. Generate seeds rather than plans, so that the counterexample names them
 * (`FaultPlan.seeded(seed, …)` replays the very same faults).
 */
import { Durable, Workflows } from "@effect-qfpay/durable"
import { Arbitraries, Behaviour, FaultPlan, QFPayTest, Simulator, VirtualClock } from "@effect-qfpay/testing"
import { afterAll, beforeAll, expect, it, vi } from "@effect/vitest"
import { Duration, Effect, Either, FastCheck as fc, Layer, Logger, LogLevel, Option } from "effect"
import { createHash } from "node:crypto"
import type { CancelAccepted, CancelOutcome } from "../src/Api.js"
import * as Orders from "../src/Orders.js"

// --- the world ---------------------------------------------------------------------------------

const order = fc.record({
  // Paid, unpaid, failed: every state an order's payment can be in when it is cancelled.
  payment: fc.oneof(Arbitraries.paidPayment, Arbitraries.unpaidCancellablePayment, Arbitraries.payment),
  // When the client sends its cancel requests (virtual milliseconds from the start): several
  // at the same moment are a double click, later ones a retry after a timeout or a 202.
  requests: fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 4 })
})

const world = fc.record({
  orders: fc.array(order, { minLength: 1, maxLength: 3 }),
  behaviourSeed: fc.integer(),
  faultSeed: fc.integer(),
  faultRate: fc.constantFrom(0, 0.1, 0.3)
})

// The runner's settings, but for how long it keeps following an operation that does not end:
// 12 follow-ups (about 3.5 hours) rather than a week's worth. The property does not depend on
// it, and the in-memory engine replays a workflow's history at each follow-up, so a week of
// follow-ups costs seconds of real time per run.
const followUps: Workflows.Settings = { ...Workflows.defaultSettings, maxFollowUps: 12 }

// --- what the client sees ------------------------------------------------------------------------

// An answer as HTTP would carry it: the status and the body.
interface Answer {
  readonly status: number
  readonly body: CancelOutcome | CancelAccepted | Orders.CancelError
}

const ask = (order: string) =>
  Effect.map(
    Effect.either(Orders.cancelOrder(order)),
    Either.match({
      onLeft: (error): Answer => ({ status: Orders.statusOf(error), body: error }),
      onRight: (answer): Answer => ({ status: answer.outcome === "in-progress" ? 202 : 200, body: answer })
    })
  )

// "Try again later" answers; anything else is the order's final answer.
const tryLater = (answer: Answer) => answer.status === 202 || answer.status === 503

// --- virtual time ------------------------------------------------------------------------------

// @effect/workflow names each execution with a SHA-256 from WebCrypto (`crypto.subtle.digest`):
// a promise that settles on Node's thread pool, outside any fiber. `VirtualClock` moves time
// whenever every fiber waits, so while that promise is out it would jump straight to the next
// timer, such as the end of the request's 3-second wait, and every answer would be a 202. The
// same digest computed synchronously settles its promise at the next microtask, before the clock
// looks again, and keeps virtual time honest. Any promise-based I/O under virtual time needs the
// same care.
beforeAll(() => {
  vi.spyOn(globalThis.crypto.subtle, "digest").mockImplementation(async (algorithm, data) => {
    const name = typeof algorithm === "string" ? algorithm : algorithm.name
    if (name !== "SHA-256") throw new Error(`unexpected digest ${name} in this test`)
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data)
    return new Uint8Array(createHash("sha256").update(bytes).digest()).buffer
  })
})

afterAll(() => {
  vi.restoreAllMocks()
})

// --- the property --------------------------------------------------------------------------------

it("cancelling an order never refunds more than was paid, even with faults and client retries", async () => {
  await fc.assert(
    fc.asyncProperty(world, ({ behaviourSeed, faultRate, faultSeed, orders }) =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const made = yield* Effect.forEach(orders, (o, i) =>
          Effect.map(
            Effect.orDie(sim.createPayment({ ...o.payment, out_trade_no: `order-${i}` })),
            (payment) => ({ id: `order-${i}`, payment, requests: o.requests })
          ))

        // Every client request of every order, each at its moment, all at once: exactly what
        // the HTTP handler would run (with its real 3-second wait).
        const requests = (o: (typeof made)[number]) =>
          Effect.forEach(o.requests, (at) => Effect.delay(ask(o.id), Duration.millis(at)), { concurrency: "unbounded" })
        const answers = yield* Effect.forEach(made, requests, { concurrency: "unbounded" })

        // Much later, when the runner has followed every operation to its end (or given up, see
        // `followUps` above), the client asks once more: what the runner settled in the background.
        yield* Effect.sleep("1 day")
        const finals = yield* Effect.forEach(made, (o) => ask(o.id), { concurrency: "unbounded" })

        for (const [i, o] of made.entries()) {
          // The money, first: never more refunded than paid, at most one refund per order,
          // whatever was answered.
          const after = Option.getOrThrow(yield* sim.transaction(o.payment.syssn))
          expect(after.refunded + after.refundPending).toBeLessThanOrEqual(after.txamt)
          expect((yield* sim.refundsOf(o.payment.syssn)).length).toBeLessThanOrEqual(1)

          // The runner settled every order: the last answer is not "in progress".
          const final = finals[i]
          expect(final.status).not.toBe(202)

          // Every answer that was not "try again later" is the final one: a retried request gets
          // the same answer (the intent's recorded result).
          for (const answer of answers[i]) {
            if (!tryLater(answer)) {
              expect(answer).toEqual(final)
            }
          }

          // And a settled answer is true: QFPay's state agrees with it.
          if ("outcome" in final.body) {
            switch (final.body.outcome) {
              case "refunded":
                expect(after.refunded).toBe(final.body.refund.txamt)
                expect(after.refunded).toBe(after.txamt)
                break
              case "cancelled":
                expect(after.cancel).not.toBe(0)
                expect(after.refunded).toBe(0)
                break
              case "nothing-to-undo":
                if (final.body.reason === "payment-failed") {
                  expect(after.respcd).not.toBe("0000")
                }
                if (final.body.reason === "already-refunded") {
                  expect(after.refunded).toBe(after.txamt)
                }
                if (final.body.reason === "already-cancelled") {
                  expect(after.cancel).not.toBe(0)
                }
                break
            }
          }
        }
      }).pipe(
        Effect.provideService(Workflows.DurableSettings, followUps),
        // The durable engine in memory, over a fresh simulator for every run.
        Effect.provide(
          Durable.layerMemory.pipe(
            Layer.provideMerge(
              QFPayTest.layerWith({
                simulator: {
                  behaviour: Behaviour.seeded(behaviourSeed),
                  faults: FaultPlan.seeded(faultSeed, { faults: FaultPlan.allKinds, rate: faultRate })
                }
              })
            )
          )
        ),
        // Everything above, the runner included, on virtual time.
        VirtualClock.settle,
        Logger.withMinimumLogLevel(LogLevel.None),
        Effect.runPromise
      )),
    { numRuns: 200 }
  )
})

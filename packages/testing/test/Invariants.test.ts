/**
 * The six invariants of SIMULATOR.md, as property tests through the real core programs on the
 * in-memory layer: random payments, behaviours (in progress, settling later, failing) and
 * fault plans (lost requests, lost answers, 429, 5xx, broken bodies), hundreds of runs each.
 */
import {
  cancel,
  Handle,
  PollPolicy,
  pollUntilSettled,
  type QFPayConfig,
  reconcile,
  refund,
  RetryPolicy,
  type Transport,
  undo
} from "@effect-qfpay/core"
import { Arbitraries, Behaviour, FaultPlan, QFPayTest, Recording, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Either, Exit, FastCheck as fc, Logger, LogLevel, Option, Schedule, TestContext } from "effect"

const RUNS = 200

const config = {
  poll: PollPolicy.make({ firstDelay: "3 seconds", deadline: "60 seconds" }),
  retry: RetryPolicy.make({ retries: 5 })
}

// Warnings the programs log on purpose (an enquiry that failed under a fault plan) are noise
// here; property 6 turns logging back on to search it.
const run = <A>(effect: Effect.Effect<A, never, never>) =>
  Effect.runPromise(
    effect.pipe(Logger.withMinimumLogLevel(LogLevel.None), Effect.provide(TestContext.TestContext))
  )

const scenario = <A>(
  options: { readonly behaviour: Behaviour.Policy; readonly faults: FaultPlan.Plan },
  body: Effect.Effect<A, never, Simulator.Simulator | Transport.Transport | QFPayConfig.QFPayConfig>
) =>
  run(
    body.pipe(
      Effect.provide(
        QFPayTest.layerWith({ simulator: { behaviour: options.behaviour, faults: options.faults }, config })
      )
    )
  )

const errorOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

const SETTLED_CANCEL = new Set([1, 2])

describe("invariants", () => {
  it("1. the settled refunds of a payment never exceed its amount", async () => {
    await fc.assert(
      fc.asyncProperty(
        Arbitraries.paidPayment.chain((p) => fc.tuple(fc.constant(p), Arbitraries.refundSequence(p.txamt, 6))),
        fc.integer(),
        fc.integer(),
        fc.boolean(),
        ([payment, amounts], behaviourSeed, faultSeed, concurrent) =>
          scenario(
            { behaviour: Behaviour.seeded(behaviourSeed), faults: FaultPlan.seeded(faultSeed, { rate: 0.25 }) },
            Effect.gen(function*() {
              const sim = yield* Simulator.Simulator
              const p = yield* Effect.orDie(sim.createPayment(payment))
              yield* QFPayTest.runWithTestClock(
                Effect.forEach(amounts, (txamt) => Effect.exit(refund({ syssn: p.syssn, txamt })), {
                  concurrency: concurrent ? "unbounded" : 1
                })
              )
              const settled = (yield* sim.refundsOf(p.syssn)).filter((r) => r.respcd === "0000")
              const total = settled.reduce((sum, r) => sum + r.txamt, 0)
              expect(total).toBeLessThanOrEqual(payment.txamt)
              expect(yield* sim.refundedTotal(p.syssn)).toBe(total)
            })
          )
      ),
      { numRuns: RUNS }
    )
  })

  it("2. one refund intent moves money at most once, under any fault plan", async () => {
    await fc.assert(
      fc.asyncProperty(
        Arbitraries.paidPayment,
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }),
        fc.integer(),
        fc.integer(),
        (payment, amounts, behaviourSeed, faultSeed) =>
          scenario(
            {
              behaviour: Behaviour.seeded(behaviourSeed),
              faults: FaultPlan.seeded(faultSeed, { rate: 0.4 })
            },
            Effect.gen(function*() {
              const sim = yield* Simulator.Simulator
              const p = yield* Effect.orDie(sim.createPayment({ ...payment, txamt: payment.txamt + 2000 }))
              for (const txamt of amounts) {
                const logBefore = (yield* sim.requestLog).length
                const rowsBefore = (yield* sim.refundsOf(p.syssn)).length
                yield* QFPayTest.runWithTestClock(refund({ syssn: p.syssn, txamt }))
                const rows = (yield* sim.refundsOf(p.syssn)).slice(rowsBefore)
                // At most one refund row per intent, and every attempt carried the same id.
                expect(rows.length).toBeLessThanOrEqual(1)
                const ids = new Set(
                  (yield* sim.requestLog).slice(logBefore).filter((e) => e.operation === "refund").map((e) =>
                    e.params.out_trade_no
                  )
                )
                expect(ids.size).toBeLessThanOrEqual(1)
              }
            })
          )
      ),
      { numRuns: RUNS }
    )
  })

  it("3. reversal / close never succeed on a paid payment; refund never on an unpaid one", async () => {
    const operation = fc.constantFrom("refund", "cancel", "undo")
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(Arbitraries.payment, operation), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        fc.integer(),
        (cases, behaviourSeed, faultSeed) =>
          scenario(
            { behaviour: Behaviour.seeded(behaviourSeed), faults: FaultPlan.seeded(faultSeed, { rate: 0.2 }) },
            Effect.gen(function*() {
              const sim = yield* Simulator.Simulator
              for (const [payment, op] of cases) {
                const p = yield* Effect.orDie(sim.createPayment(payment))
                const exit = yield* QFPayTest.runWithTestClock(
                  op === "refund"
                    ? Effect.map(refund({ syssn: p.syssn, txamt: p.txamt }), (r) => r.operation)
                    : op === "cancel"
                    ? Effect.map(
                      cancel({ syssn: p.syssn, txamt: p.txamt, txdtm: p.txdtm, pay_type: p.pay_type }),
                      (r) => r.operation
                    )
                    : Effect.map(
                      undo({ syssn: p.syssn }),
                      (r) => (r._tag === "NothingToUndo" ? "nothing" : r.receipt.operation)
                    )
                )
                const after = Option.getOrThrow(yield* sim.transaction(p.syssn))
                if (Exit.isSuccess(exit) && exit.value === "refund") {
                  expect(payment.state._tag).toBe("Paid")
                  expect(after.respcd).toBe("0000")
                }
                if (Exit.isSuccess(exit) && (exit.value === "reversal" || exit.value === "close")) {
                  expect(payment.state._tag).toBe("Pending")
                  expect(SETTLED_CANCEL.has(after.cancel)).toBe(true)
                  expect(after.refunded).toBe(0)
                }
                // Whatever happened: never both cancelled and refunded, never refunded unpaid.
                expect(SETTLED_CANCEL.has(after.cancel) && after.refunded > 0).toBe(false)
                if (after.refunded > 0) expect(after.respcd).toBe("0000")
              }
            })
          )
      ),
      { numRuns: RUNS }
    )
  })

  it("4. settled means settled, a definite failure changed nothing, still pending carries a handle", async () => {
    await fc.assert(
      fc.asyncProperty(
        Arbitraries.paidPayment,
        fc.integer({ min: 1, max: 2000 }),
        fc.integer(),
        fc.integer(),
        (payment, txamt, behaviourSeed, faultSeed) =>
          scenario(
            {
              behaviour: Behaviour.seeded(behaviourSeed, { pendingRate: 0.5, neverRate: 0.3, failRate: 0.3 }),
              faults: FaultPlan.seeded(faultSeed, { rate: 0.3 })
            },
            Effect.gen(function*() {
              const sim = yield* Simulator.Simulator
              const p = yield* Effect.orDie(sim.createPayment(payment))
              const exit = yield* QFPayTest.runWithTestClock(refund({ syssn: p.syssn, txamt }))
              const rows = yield* sim.refundsOf(p.syssn)
              if (Exit.isSuccess(exit)) {
                const receipt = exit.value
                const row = rows.find((r) => r.out_trade_no === receipt.out_trade_no)
                expect(row?.respcd).toBe("0000")
                expect(row?.txamt).toBe(receipt.txamt)
                expect(receipt.syssn === undefined || receipt.syssn === row?.syssn).toBe(true)
                return
              }
              const error = errorOf(exit)!
              switch (error._tag) {
                case "Rejected": {
                  // Nothing settled, nothing held.
                  expect(rows.filter((r) => r.respcd === "0000" || r.respcd.startsWith("114"))).toEqual([])
                  expect(yield* sim.refundedTotal(p.syssn)).toBe(0)
                  break
                }
                case "StillPending": {
                  const handle = error.handle
                  expect(handle._tag).toBe("RefundHandle")
                  const token = Handle.toToken(handle)
                  expect(Either.getOrThrow(Handle.fromToken(token))).toEqual(handle)
                  if (handle._tag === "RefundHandle") {
                    expect(rows.find((r) => r.out_trade_no === handle.out_trade_no)?.respcd).toMatch(
                      /^(1143|1145|1298)$/
                    )
                  }
                  break
                }
                case "OutcomeUnknown": {
                  // Reconciled later, with the network healthy: it settles or fails, once.
                  yield* sim.clearFaults
                  const later = yield* QFPayTest.runWithTestClock(reconcile(error.handle))
                  const again = yield* sim.refundsOf(p.syssn)
                  expect(again.length).toBeLessThanOrEqual(1)
                  if (Exit.isSuccess(later)) expect(again[0]?.respcd).toBe("0000")
                  break
                }
                default:
                  // Transport failures that never reached QFPay, or rate limits: nothing applied.
                  expect(["TransportError", "RateLimited", "UnexpectedResponse"]).toContain(error._tag)
                  expect(rows.filter((r) => r.respcd === "0000")).toEqual([])
              }
            })
          )
      ),
      { numRuns: RUNS }
    )
  })

  it("5. polling ends within the deadline when it settles in time, else StillPending, within the schedule", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 5, max: 60 }),
        (settlesAfter, never, spacing, maxEnquiries, deadline) =>
          run(
            Effect.gen(function*() {
              const sim = yield* Simulator.Simulator
              const p = yield* Effect.orDie(sim.createPayment({ txamt: 1000 }))
              yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: settlesAfter, never })))
              const policy = PollPolicy.fromSchedule(
                Schedule.spaced(`${spacing} seconds`).pipe(Schedule.intersect(Schedule.recurs(maxEnquiries - 1))),
                { firstDelay: "3 seconds", deadline: `${deadline} seconds` }
              )
              const exit = yield* QFPayTest.runWithTestClock(refund({ syssn: p.syssn, txamt: 1000 }, { poll: policy }))
              const queries = (yield* sim.requestLog).filter((e) => e.operation === "query")
              const byDeadline = deadline < 3 ? 0 : Math.floor((deadline - 3) / spacing) + 1
              const allowed = Math.min(maxEnquiries, byDeadline)
              expect(queries.length).toBeLessThanOrEqual(allowed)
              const start = (yield* sim.requestLog)[0].at
              expect(queries.every((q) => q.at - start <= deadline * 1000)).toBe(true)
              if (!never && settlesAfter <= allowed) {
                expect(Exit.isSuccess(exit)).toBe(true)
                expect(queries.length).toBe(settlesAfter)
              } else {
                const error = errorOf(exit)
                expect(error?._tag).toBe("StillPending")
                expect(queries.length).toBe(allowed)
                if (error?._tag === "StillPending") expect(error.attempts).toBe(allowed)
              }
            }).pipe(Effect.provide(QFPayTest.layerWith({ config })))
          )
      ),
      { numRuns: RUNS }
    )
  })

  it("6. the client key never appears in a request log, an error, a span or a log line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(Arbitraries.payment, { minLength: 1, maxLength: 3 }),
        fc.integer(),
        fc.integer(),
        (payments, behaviourSeed, faultSeed) => {
          const record = Recording.make()
          return scenario(
            { behaviour: Behaviour.seeded(behaviourSeed), faults: FaultPlan.seeded(faultSeed, { rate: 0.3 }) },
            record.instrument(Effect.gen(function*() {
              const sim = yield* Simulator.Simulator
              const key = sim.credential.clientKey
              const outcomes: Array<string> = []
              for (const payment of payments) {
                const p = yield* Effect.orDie(sim.createPayment(payment))
                const exit = yield* QFPayTest.runWithTestClock(undo({ syssn: p.syssn }))
                outcomes.push(JSON.stringify(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
                const error = errorOf(exit)
                if (error !== undefined) outcomes.push(error.message, JSON.stringify(error), String(error))
                if (error?._tag === "StillPending") {
                  outcomes.push(JSON.stringify(yield* QFPayTest.runWithTestClock(pollUntilSettled(error.handle))))
                }
              }
              const everything = [JSON.stringify(yield* sim.requestLog), ...outcomes, ...record.lines, ...record.spans]
                .join("\n")
              expect(record.lines.length).toBeGreaterThan(0)
              expect(record.spans.length).toBeGreaterThan(0)
              expect(everything).not.toContain(key)
            }))
          )
        }
      ),
      { numRuns: RUNS }
    )
  })
})

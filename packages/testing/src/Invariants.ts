/**
 * The six invariants of the simulator's specification, as fast-check properties that run the
 * real core programs against the simulator on a virtual clock: random payments, behaviours
 * (answers in progress, settling late, failing) and fault plans (lost requests and answers,
 * 429, 5xx, broken bodies).
 *
 * The library's own suite runs each hundreds of times. Run them against your own client
 * configuration (poll and retry policies, routing) with `options.config`.
 *
 * ```ts
 * await fc.assert(Invariants.oneIntentMovesMoneyOnce({ config: { retry: myRetryPolicy } }), { numRuns: 500 })
 * ```
 *
 * @since 0.1.0
 */
import {
  cancel,
  Handle,
  PollPolicy,
  pollUntilSettled,
  type QFPayConfig,
  type QFPayError,
  type Receipt,
  reconcile,
  refund,
  ResponseCode,
  RetryPolicy,
  type Transport,
  undo
} from "@effect-qfpay/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Arbitraries from "./Arbitraries.js"
import * as Behaviour from "./Behaviour.js"
import * as FaultPlan from "./FaultPlan.js"
import * as QFPayTest from "./QFPayTest.js"
import * as Recording from "./Recording.js"
import * as Simulator from "./Simulator.js"
import * as VirtualClock from "./VirtualClock.js"

/**
 * An invariant that did not hold, with what was seen.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvariantViolation extends Error {
  /**
   * @since 0.1.0
   */
  override readonly name = "InvariantViolation"
}

const check = (condition: boolean, message: () => string): void => {
  if (!condition) throw new InvariantViolation(message())
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Client configuration on top of the simulator's credential. */
  readonly config?: QFPayTest.Options["config"]
}

const defaultConfig: NonNullable<QFPayTest.Options["config"]> = {
  poll: PollPolicy.make({ firstDelay: "3 seconds", deadline: "60 seconds" }),
  retry: RetryPolicy.make({ retries: 5 })
}

type Env = Simulator.Simulator | Transport.Transport | QFPayConfig.QFPayConfig

// One scenario: a fresh simulator, the whole body on a virtual clock, warnings the programs log
// on purpose (an enquiry that failed under a fault plan) kept quiet.
const scenario = (
  options: Options,
  simulator: Simulator.Options,
  body: Effect.Effect<void, never, Env>,
  quiet = true
): Promise<void> =>
  Effect.runPromise(
    VirtualClock.settle(body).pipe(
      Effect.provide(QFPayTest.layerWith({ simulator, config: { ...defaultConfig, ...options.config } })),
      quiet ? Logger.withMinimumLogLevel(LogLevel.None) : (e) => e
    )
  )

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

const cancelled = (cancel: number) => cancel === 1 || cancel === 2

/**
 * 1. The sum of settled refunds of a payment never exceeds its amount, whatever sequence of
 * refunds (partial, full, over the limit; one after another or all at once) was asked.
 *
 * @since 0.1.0
 * @category invariants
 */
export const settledRefundsWithinAmount = (options: Options = {}) =>
  fc.asyncProperty(
    Arbitraries.paidPayment.chain((p) => fc.tuple(fc.constant(p), Arbitraries.refundSequence(p.txamt, 6))),
    fc.integer(),
    fc.integer(),
    fc.boolean(),
    ([payment, amounts], behaviourSeed, faultSeed, concurrent) =>
      scenario(
        options,
        { behaviour: Behaviour.seeded(behaviourSeed), faults: FaultPlan.seeded(faultSeed, { rate: 0.25 }) },
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const p = yield* Effect.orDie(sim.createPayment(payment))
          yield* Effect.forEach(amounts, (txamt) => Effect.exit(refund({ syssn: p.syssn, txamt })), {
            concurrency: concurrent ? "unbounded" : 1,
            discard: true
          })
          const settled = (yield* sim.refundsOf(p.syssn)).filter((r) => r.respcd === "0000")
          const total = settled.reduce((sum, r) => sum + r.txamt, 0)
          check(total <= payment.txamt, () => `settled refunds ${total} exceed the payment's ${payment.txamt}`)
          const recorded = yield* sim.refundedTotal(p.syssn)
          check(recorded === total, () => `the payment records ${recorded} refunded, the refunds sum to ${total}`)
        })
      )
  )

/**
 * 2. One refund intent (one `out_trade_no`) moves money at most once, under any fault plan:
 * every attempt of an intent carries the same id, and an intent leaves at most one refund.
 *
 * @since 0.1.0
 * @category invariants
 */
export const oneIntentMovesMoneyOnce = (options: Options = {}) =>
  fc.asyncProperty(
    Arbitraries.paidPayment,
    fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }),
    fc.integer(),
    fc.integer(),
    (payment, amounts, behaviourSeed, faultSeed) =>
      scenario(
        options,
        { behaviour: Behaviour.seeded(behaviourSeed), faults: FaultPlan.seeded(faultSeed, { rate: 0.4 }) },
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const p = yield* Effect.orDie(sim.createPayment({ ...payment, txamt: payment.txamt + 2000 }))
          for (const txamt of amounts) {
            // By index, not position: the log keeps only its last entries.
            const logBefore = yield* sim.requestCount
            const rowsBefore = (yield* sim.refundsOf(p.syssn)).length
            yield* Effect.exit(refund({ syssn: p.syssn, txamt }))
            const rows = (yield* sim.refundsOf(p.syssn)).slice(rowsBefore)
            check(rows.length <= 1, () => `one refund intent left ${rows.length} refunds`)
            const ids = new Set(
              (yield* sim.requestLog).filter((e) => e.index >= logBefore && e.operation === "refund").map((e) =>
                e.params.out_trade_no
              )
            )
            check(ids.size <= 1, () => `one refund intent was sent with ${ids.size} different ids`)
          }
        })
      )
  )

/**
 * 3. Reversal and close never succeed on a paid payment; refund never succeeds on an unpaid
 * one; no payment ends both cancelled and refunded.
 *
 * @since 0.1.0
 * @category invariants
 */
export const cancelOnlyUnpaidRefundOnlyPaid = (options: Options = {}) =>
  fc.asyncProperty(
    fc.array(fc.tuple(Arbitraries.payment, fc.constantFrom("refund", "cancel", "undo")), {
      minLength: 1,
      maxLength: 5
    }),
    fc.integer(),
    fc.integer(),
    (cases, behaviourSeed, faultSeed) =>
      scenario(
        options,
        { behaviour: Behaviour.seeded(behaviourSeed), faults: FaultPlan.seeded(faultSeed, { rate: 0.2 }) },
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          for (const [payment, op] of cases) {
            const p = yield* Effect.orDie(sim.createPayment(payment))
            const exit = yield* Effect.exit(
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
              check(
                payment.state._tag === "Paid" && after.respcd === "0000",
                () => `a refund settled on an unpaid payment`
              )
            }
            if (Exit.isSuccess(exit) && (exit.value === "reversal" || exit.value === "close")) {
              check(
                payment.state._tag === "Pending",
                () => `a ${exit.value} settled on a ${payment.state._tag} payment`
              )
              check(
                cancelled(after.cancel) && after.refunded === 0,
                () => `a settled ${exit.value} left cancel ${after.cancel}`
              )
            }
            check(
              !(cancelled(after.cancel) && after.refunded > 0),
              () => `payment ${p.syssn} is both cancelled and refunded`
            )
            check(after.refunded === 0 || after.respcd === "0000", () => `unpaid payment ${p.syssn} was refunded`)
          }
        })
      )
  )

/**
 * 4. What the client reports as settled is settled in the simulator; a definite failure
 * changed nothing; "still pending" carries a handle that names the operation and survives
 * serialisation; an unknown outcome reconciled later settles or fails once.
 *
 * @since 0.1.0
 * @category invariants
 */
export const reportsMatchState = (options: Options = {}) =>
  fc.asyncProperty(
    Arbitraries.paidPayment,
    fc.integer({ min: 1, max: 2000 }),
    fc.integer(),
    fc.integer(),
    (payment, txamt, behaviourSeed, faultSeed) =>
      scenario(
        options,
        {
          behaviour: Behaviour.seeded(behaviourSeed, { pendingRate: 0.5, neverRate: 0.3, failRate: 0.3 }),
          faults: FaultPlan.seeded(faultSeed, { rate: 0.3 })
        },
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const p = yield* Effect.orDie(sim.createPayment(payment))
          const exit = yield* Effect.exit(refund({ syssn: p.syssn, txamt }))
          const rows = yield* sim.refundsOf(p.syssn)
          if (Exit.isSuccess(exit)) {
            const receipt = exit.value
            const row = rows.find((r) => r.out_trade_no === receipt.out_trade_no)
            check(row?.respcd === "0000", () => `reported settled, the simulator says ${row?.respcd ?? "no refund"}`)
            check(row?.txamt === receipt.txamt, () => `reported ${receipt.txamt} cents, the simulator ${row?.txamt}`)
            check(receipt.syssn === undefined || receipt.syssn === row?.syssn, () => `reported refund ${receipt.syssn}`)
            return
          }
          const error = failureOf(exit)!
          switch (error._tag) {
            case "Rejected": {
              const held = rows.filter((r) =>
                r.respcd === "0000" || r.respcd === "1143" || r.respcd === "1145" || r.respcd === "1298"
              )
              check(held.length === 0, () => `rejected, yet the simulator holds ${held.length} refunds`)
              break
            }
            case "StillPending": {
              const handle = error.handle
              check(
                Either.isRight(Handle.fromToken(Handle.toToken(handle))),
                () => `the handle does not survive serialisation`
              )
              if (handle._tag === "RefundHandle") {
                // The handle names the refund QFPay holds (it may have settled since the last
                // answer that reached us): resuming from it, on a healthy network, tells the truth.
                const row = rows.find((r) => r.out_trade_no === handle.out_trade_no)
                check(row !== undefined, () => `still pending, yet QFPay holds no refund ${handle.out_trade_no}`)
                yield* sim.clearFaults
                const resumed = yield* Effect.exit(pollUntilSettled(handle))
                const now = (yield* sim.refundsOf(p.syssn)).find((r) => r.out_trade_no === handle.out_trade_no)
                if (Exit.isSuccess(resumed)) {
                  check(now?.respcd === "0000", () => `resumed as settled, yet ${now?.respcd}`)
                } else {
                  const again = failureOf(resumed)
                  check(
                    again?._tag === "StillPending" || (again?._tag === "Rejected" && now?.respcd !== "0000"),
                    () => `resuming ended ${again?._tag} with the refund at ${now?.respcd}`
                  )
                }
              }
              break
            }
            case "OutcomeUnknown": {
              yield* sim.clearFaults
              const later = yield* Effect.exit(reconcile(error.handle))
              const again = yield* sim.refundsOf(p.syssn)
              check(again.length <= 1, () => `reconciling left ${again.length} refunds`)
              if (Exit.isSuccess(later)) {
                check(again[0]?.respcd === "0000", () => `reconciled as settled, yet ${again[0]?.respcd}`)
              }
              break
            }
            default: {
              check(
                ["TransportError", "RateLimited", "UnexpectedResponse"].includes(error._tag),
                () => `unexpected ${error._tag}`
              )
              check(rows.every((r) => r.respcd !== "0000"), () => `${error._tag}, yet a refund settled`)
            }
          }
        })
      )
  )

/**
 * 5. Polling terminates: within the deadline when the operation settles in time, otherwise with
 * `StillPending`; never more enquiries than the schedule and the deadline allow.
 *
 * @since 0.1.0
 * @category invariants
 */
export const pollingTerminates = (options: Options = {}) =>
  fc.asyncProperty(
    fc.integer({ min: 1, max: 12 }),
    fc.boolean(),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 10 }),
    fc.integer({ min: 5, max: 60 }),
    (settlesAfter, never, spacing, maxEnquiries, deadline) =>
      scenario(
        options,
        {},
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const p = yield* Effect.orDie(sim.createPayment({ txamt: 1000 }))
          yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: settlesAfter, never })))
          const policy = PollPolicy.fromSchedule(
            Schedule.spaced(`${spacing} seconds`).pipe(Schedule.intersect(Schedule.recurs(maxEnquiries - 1))),
            { firstDelay: "3 seconds", deadline: `${deadline} seconds` }
          )
          const exit = yield* Effect.exit(refund({ syssn: p.syssn, txamt: 1000 }, { poll: policy }))
          const log = yield* sim.requestLog
          const queries = log.filter((e) => e.operation === "query")
          const allowed = Math.min(maxEnquiries, Math.floor((deadline - 3) / spacing) + 1)
          check(queries.length <= allowed, () => `${queries.length} enquiries, the schedule allows ${allowed}`)
          check(
            queries.every((q) => q.at - log[0].at <= deadline * 1000),
            () => `an enquiry after the deadline`
          )
          if (!never && settlesAfter <= allowed) {
            check(Exit.isSuccess(exit), () => `settles at enquiry ${settlesAfter} of ${allowed}, yet did not succeed`)
            check(
              queries.length === settlesAfter,
              () => `${queries.length} enquiries for settlement at ${settlesAfter}`
            )
          } else {
            const error = failureOf(exit)
            check(error?._tag === "StillPending", () => `expected StillPending, got ${error?._tag ?? "success"}`)
            check(queries.length === allowed, () => `gave up after ${queries.length} of ${allowed} enquiries`)
            if (error?._tag === "StillPending") {
              check(error.attempts === allowed, () => `reported ${error.attempts} attempts`)
            }
          }
        })
      )
  )

/**
 * 6. The client key never appears in a request log, an error, a span or a log line (logging
 * at every level).
 *
 * @since 0.1.0
 * @category invariants
 */
export const keyNeverLeaks = (options: Options = {}) =>
  fc.asyncProperty(
    fc.array(Arbitraries.payment, { minLength: 1, maxLength: 3 }),
    fc.integer(),
    fc.integer(),
    (payments, behaviourSeed, faultSeed) => {
      const recording = Recording.make()
      return scenario(
        options,
        { behaviour: Behaviour.seeded(behaviourSeed), faults: FaultPlan.seeded(faultSeed, { rate: 0.3 }) },
        recording.instrument(Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const key = sim.credential.clientKey
          const outcomes: Array<string> = []
          for (const payment of payments) {
            const p = yield* Effect.orDie(sim.createPayment(payment))
            const exit = yield* Effect.exit(undo({ syssn: p.syssn }))
            outcomes.push(JSON.stringify(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
            const error = failureOf(exit)
            if (error !== undefined) outcomes.push(error.message, JSON.stringify(error), String(error))
            if (error?._tag === "StillPending") {
              outcomes.push(JSON.stringify(yield* Effect.exit(pollUntilSettled(error.handle))))
            }
          }
          const everything = [JSON.stringify(yield* sim.requestLog), ...outcomes, recording.text()].join("\n")
          // Every program has a span; log lines depend on what happened (none when every
          // request was lost), so only the spans prove the recording worked.
          check(recording.spans.length > 0, () => "nothing was traced")
          check(!everything.includes(key), () => "the client key appears in the output")
        })),
        false
      )
    }
  )

/**
 * 7. Outcomes are truthful (PROTOCOL §7): one refund intent (one `out_trade_no`), run again and
 * again as a backend does after crashes and deploys, under random faults (lost answers, answers
 * replaced by codes after the refund was applied, enquiries that lag, tampered answers, latency)
 * and random crash points:
 * - every reported `settled` exists in the simulator, with the same refund and amount;
 * - every `Rejected` (and every other "nothing moved" report) left the ledger unchanged for the
 *   intent, with nothing of it settled or in progress;
 * - every run after which the intent has moved money reported it settled, `StillPending` or
 *   `OutcomeUnknown`, carrying the intent's handle;
 * - on a healthy network, running the intent once more reports the refund QFPay holds.
 *
 * @since 0.2.0
 * @category invariants
 */
export const outcomesAreTruthful = (options: Options = {}) =>
  fc.asyncProperty(
    Arbitraries.paidPayment,
    fc.integer({ min: 1, max: 2000 }),
    fc.integer(),
    fc.integer(),
    fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 2 }),
    (payment, txamt, behaviourSeed, faultSeed, crashes) =>
      scenario(
        options,
        {
          behaviour: Behaviour.seeded(behaviourSeed, { pendingRate: 0.4, failRate: 0.2 }),
          faults: FaultPlan.seeded(faultSeed, { rate: 0.35, faults: FaultPlan.allKinds, maxLatencyMillis: 8000 })
        },
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const p = yield* Effect.orDie(sim.createPayment({ ...payment, txamt: payment.txamt + 2000 }))
          const intent = { syssn: p.syssn, txamt, out_trade_no: `INTENT${(faultSeed >>> 0).toString(36)}` }
          const rowsOfIntent = Effect.map(
            sim.refundsOf(p.syssn),
            (rows) => rows.filter((r) => r.out_trade_no === intent.out_trade_no)
          )
          const moved = (rows: ReadonlyArray<Simulator.Transaction>) =>
            rows.some((r) => r.respcd === "0000" || ResponseCode.isPending(r.respcd))

          const judge = (
            run: string,
            before: ReadonlyArray<Simulator.Transaction>,
            exit: Exit.Exit<Receipt.Receipt, unknown>
          ) =>
            Effect.map(rowsOfIntent, (after) => {
              if (Exit.isSuccess(exit)) {
                const row = after.find((r) => r.respcd === "0000")
                check(row !== undefined, () => `${run}: reported settled, the simulator holds ${JSON.stringify(after)}`)
                check(row!.txamt === exit.value.txamt, () =>
                  `${run}: reported ${exit.value.txamt}, the refund is ${row!.txamt}`)
                check(
                  exit.value.syssn === undefined || exit.value.syssn === row!.syssn,
                  () =>
                    `${run}: reported refund ${exit.value.syssn}, the simulator's is ${row!.syssn}`
                )
                return
              }
              const error = failureOf(exit) as QFPayError.QFPayError | undefined
              check(error !== undefined, () => `${run}: a defect or an interruption: ${String(exit)}`)
              switch (error!._tag) {
                case "StillPending":
                case "OutcomeUnknown":
                  check(
                    error!.handle.out_trade_no === intent.out_trade_no,
                    () => `${run}: ${error!._tag} with a handle for ${error!.handle.out_trade_no}`
                  )
                  return
                default:
                  // A refund that failed is on the ledger, but it moved nothing.
                  check(
                    !moved(after),
                    () =>
                      `${run}: reported ${error!._tag} ("nothing moved"), yet the intent's refunds went from ${
                        JSON.stringify(before)
                      } to ${JSON.stringify(after)}: ${error!.message}`
                  )
              }
            })

          let run = 0
          for (const crashAt of crashes) {
            run++
            const before = yield* rowsOfIntent
            // A crash: the run is cut off at a random moment, whatever it was doing.
            const outcome = yield* Effect.raceFirst(
              Effect.map(Effect.exit(refund(intent)), Option.some),
              Effect.as(Effect.sleep(crashAt), Option.none())
            )
            if (Option.isSome(outcome)) yield* judge(`run ${run}`, before, outcome.value)
          }
          const before = yield* rowsOfIntent
          yield* judge(`run ${run + 1}`, before, yield* Effect.exit(refund(intent)))
          // On a healthy network the intent, run once more, reports what QFPay holds.
          yield* sim.clearFaults
          const last = yield* rowsOfIntent
          const final = yield* Effect.exit(refund(intent))
          yield* judge("the healthy run", last, final)
          const settled = (yield* rowsOfIntent).find((r) => r.respcd === "0000")
          if (settled !== undefined && last.some((r) => r.respcd === "0000")) {
            check(
              Exit.isSuccess(final) && final.value.syssn === settled.syssn,
              () => `a settled refund of the intent was not reported on a healthy network: ${String(final)}`
            )
          }
          const all = yield* rowsOfIntent
          check(all.length <= 1, () => `one intent left ${all.length} refunds`)
        })
      )
  )

/**
 * Every invariant, by name.
 *
 * @since 0.1.0
 * @category invariants
 */
export const all: Readonly<Record<string, (options?: Options) => fc.IAsyncPropertyWithHooks<any>>> = {
  "1. the settled refunds of a payment never exceed its amount": settledRefundsWithinAmount,
  "2. one refund intent moves money at most once, under any fault plan": oneIntentMovesMoneyOnce,
  "3. reversal / close never succeed on a paid payment; refund never on an unpaid one": cancelOnlyUnpaidRefundOnlyPaid,
  "4. settled means settled, a definite failure changed nothing, still pending carries a handle": reportsMatchState,
  "5. polling ends in time when it settles in time, else StillPending, within the schedule": pollingTerminates,
  "6. the client key never appears in a request log, an error, a span or a log line": keyNeverLeaks,
  "7. outcomes are truthful: settled is settled, 'nothing moved' moved nothing, money moved is never rejected":
    outcomesAreTruthful
}

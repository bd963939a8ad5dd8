/**
 * Core's program tests run the real programs against the testing package's simulator (the one
 * model of QFPay in this repository), each scenario whole on one virtual clock: sleeps take no
 * real time, and time never goes back between the steps of a scenario.
 */
import { PollPolicy, type QFPayConfig, refund, RetryPolicy, type Transport } from "@effect-qfpay/core"
import { Behaviour, QFPayTest, Simulator, VirtualClock } from "@effect-qfpay/testing"
import { Cause, Effect, Exit, Option, Schedule } from "effect"

/** First enquiry at 3 s, then every 2 s, none after 30 s. */
export const fixedPoll = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), {
  firstDelay: "3 seconds",
  deadline: "30 seconds"
})

/** 500 ms, 1 s, 2 s, 4 s, 8 s: five retries, no jitter. */
export const fixedRetry = RetryPolicy.make({ jitter: false, base: "500 millis", retries: 5 })

export type Env = Simulator.Simulator | QFPayConfig.QFPayConfig | Transport.Transport

export const scenario = <A, E>(
  body: Effect.Effect<A, E, Env>,
  options: QFPayTest.Options = {}
): Effect.Effect<A, E> =>
  VirtualClock.settle(body).pipe(
    Effect.provide(
      QFPayTest.layerWith({ ...options, config: { poll: fixedPoll, retry: fixedRetry, ...options.config } })
    )
  )

export const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const e = Cause.failureOption(exit.cause)
  if (Option.isNone(e)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return e.value
}

export const sim = Simulator.Simulator

/** The requests of one operation, in order. */
export const requests = (operation: "refund" | "reversal" | "close" | "query" | "payment") =>
  Effect.flatMap(sim, (s) => Effect.map(s.requestLog, (log) => log.filter((e) => e.operation === operation)))

/** Every request's operation, in order. */
export const operations = Effect.flatMap(sim, (s) => Effect.map(s.requestLog, (log) => log.map((e) => e.operation)))

/** Every refund the simulator holds. */
export const refunds = Effect.flatMap(
  sim,
  (s) => Effect.map(s.transactions, (all) => all.filter((t) => t.kind === "refund"))
)

/**
 * Refunds left "in progress" by a run with a short deadline (QFPay settles each at its second
 * enquiry): their handles, as a backend saves them from StillPending.
 */
export const stillPending = (count: number) =>
  Effect.gen(function*() {
    const s = yield* sim
    yield* s.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 2 })))
    const payments = yield* Effect.forEach(Array.from({ length: count }), () => s.createPayment({ txamt: 1000 }))
    const short = PollPolicy.make({ deadline: "1 second" })
    return yield* Effect.forEach(payments, (p) =>
      Effect.map(Effect.flip(refund({ syssn: p.syssn, txamt: 5 }, { poll: short })), (e) => {
        if (e._tag !== "StillPending") {
          throw new Error(`expected StillPending, got ${e._tag}`)
        }
        return e.handle
      }))
  })

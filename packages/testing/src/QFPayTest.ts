/**
 * The test layer: everything a test needs to run the real programs against the simulated
 * QFPay, with no network.
 *
 * ```ts
 * import { refund } from "@effect-qfpay/core"
 * import { QFPayTest, Simulator } from "@effect-qfpay/testing"
 *
 * const program = Effect.gen(function*() {
 *   const sim = yield* Simulator.Simulator
 *   const payment = yield* sim.createPayment({ txamt: 1000 })
 *   return yield* refund({ syssn: payment.syssn, txamt: 400 })
 * }).pipe(Effect.provide(QFPayTest.layer))
 * ```
 *
 * @since 0.1.0
 */
import { QFPayConfig, QFPayError, RateLimit, Transport } from "@effect-qfpay/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Simulator from "./Simulator.js"

/**
 * A `Transport` that serves every request from a simulator, in memory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const transport = (simulator: Simulator.Service): Transport.Service =>
  Transport.make((request) =>
    Effect.flatMap(
      simulator.serve({
        method: request.endpoint.method,
        path: request.endpoint.path,
        params: request.params,
        headers: request.headers
      }),
      (served) =>
        served._tag === "Answer"
          ? Effect.succeed(served.answer)
          : Effect.fail(
            new QFPayError.TransportError({
              endpoint: request.endpoint.operation,
              reason: served.applied ? "Timeout" : "Connect",
              // A connection lost after the request was written could have been applied.
              ambiguous: served.applied,
              detail: served.applied ? "the answer was lost" : "the connection failed before the request was sent"
            })
          )
    )
  )

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly simulator?: Simulator.Options | undefined
  /** Client configuration on top of the simulator's credential (poll and retry policies, routing…). */
  readonly config?: Partial<Omit<QFPayConfig.Options, "appCode" | "clientKey">> | undefined
  /**
   * Client-side rate limits on every request, as the HTTP transports apply them
   * (`RateLimit.documented`: 100/s and 400/min). Default: none, so that tests run at the
   * speed of their clock.
   */
  readonly rateLimit?: ReadonlyArray<RateLimit.Window> | undefined
}

/**
 * A transport to an existing simulator and a configuration with its credential: several
 * layers (several "processes" of a test) can share one simulator this way.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerFrom = (
  simulator: Simulator.Service,
  options: Omit<Options, "simulator"> = {}
): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig> =>
  Layer.merge(
    Layer.succeed(
      Transport.Transport,
      options.rateLimit === undefined
        ? transport(simulator)
        : Transport.rateLimited(transport(simulator), RateLimit.make(options.rateLimit))
    ),
    QFPayConfig.layer({
      ...options.config,
      appCode: simulator.credential.appCode,
      clientKey: simulator.credential.clientKey,
      mchid: simulator.credential.mchid
    }).pipe(Layer.orDie)
  )

/**
 * A fresh simulator, a transport to it and a configuration with its credential.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options = {}
): Layer.Layer<Simulator.Simulator | Transport.Transport | QFPayConfig.QFPayConfig> =>
  Layer.unwrapEffect(
    Effect.map(Simulator.make(options.simulator), (simulator) =>
      Layer.merge(Layer.succeed(Simulator.Simulator, simulator), layerFrom(simulator, options)))
  )

/**
 * `layerWith()` with every default: everything succeeds at once, no faults.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Simulator.Simulator | Transport.Transport | QFPayConfig.QFPayConfig> = layerWith()

/**
 * Runs an effect under `TestClock` (as in `it.effect`), moving time straight to the next
 * pending sleep until the effect is done, and returns its exit. Polling and backoff then take
 * no real time, and the times observed are exactly those the program scheduled.
 *
 * @since 0.1.0
 * @category test clock
 */
export const runWithTestClock = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly maxSteps?: number | undefined } = {}
): Effect.Effect<Exit.Exit<A, E>, never, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    const maxSteps = options.maxSteps ?? 1_000_000
    for (let i = 0; i < maxSteps; i++) {
      // Let every runnable fiber reach its next sleep (or its end) before moving time.
      for (let spin = 0; spin < 3; spin++) yield* Effect.yieldNow()
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) return done.value
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.isNonEmpty(sleeps)) {
        let next = Infinity
        for (const at of sleeps) if (at < next) next = at
        // Absolute, not `adjust(next - now)`: with fractional instants the difference can
        // round to just short of `next`, and time would never reach it.
        yield* TestClock.setTime(Math.max(next, yield* TestClock.currentTimeMillis))
      }
    }
    return yield* Fiber.await(fiber)
  })

/**
 * `runWithTestClock`, failing with the effect's own error.
 *
 * @since 0.1.0
 * @category test clock
 */
export const settleWithTestClock = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(runWithTestClock(effect), (exit) => exit)

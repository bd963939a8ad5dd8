/**
 * Retries a read-only effect (an enquiry) through transient failures, by the configured
 * retry policy, honouring a server's `Retry-After`.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { QFPayConfig } from "../QFPayConfig.js"
import type { QFPayError } from "../QFPayError.js"
import * as Stepper from "./stepper.js"

/** @internal */
export const isTransient = (error: { readonly _tag: string }): boolean => {
  const e = error as QFPayError
  return e._tag === "TransportError" || e._tag === "RateLimited" || e._tag === "UnexpectedResponse" ||
    (e._tag === "Rejected" && e.class === "retryable")
}

/** @internal */
export const retryAfterOf = (error: { readonly _tag: string }): number => {
  const e = error as QFPayError
  return e._tag === "RateLimited" && e.retryAfter !== undefined ? Duration.toMillis(e.retryAfter) : 0
}

/**
 * The next wait of a stepper, at least `atLeast` milliseconds, or `None` when it is done.
 *
 * @internal
 */
export const nextDelay = <In>(stepper: Stepper.Stepper<In>, input: In, atLeast = 0) =>
  Effect.flatMap(
    Clock.currentTimeMillis,
    (now) => Effect.map(stepper.next(now, input), Option.map((millis) => Math.max(millis, atLeast)))
  )

/** @internal */
export const retryTransient = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | QFPayConfig> =>
  Effect.flatMap(QFPayConfig, (config) => {
    const stepper = Stepper.make(config.retry.schedule)
    const loop: Effect.Effect<A, E, R> = Effect.catchIf(effect, isTransient, (error) =>
      Effect.flatMap(nextDelay(stepper, error, retryAfterOf(error)), (delay) =>
        Option.match(delay, {
          onNone: () =>
            Effect.fail(error),
          onSome: (millis) =>
            Effect.zipRight(Effect.sleep(Duration.millis(millis)), loop)
        })))
    return loop
  })

/**
 * Debug logging that costs nothing when Debug is off: building and filtering a log entry
 * costs microseconds, and the engine runs once per request.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"

/** @internal */
export const debug = (message: string, annotations: Record<string, unknown>): Effect.Effect<void> =>
  debugThen(message, annotations, undefined)

/** `debug`, then `value`: one step when Debug is off. @internal */
export const debugThen = <A>(message: string, annotations: Record<string, unknown>, value: A): Effect.Effect<A> =>
  Effect.withFiberRuntime((fiber) =>
    LogLevel.greaterThan(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), LogLevel.Debug)
      ? Effect.succeed(value)
      : Effect.as(Effect.logDebug(message).pipe(Effect.annotateLogs(annotations)), value)
  )

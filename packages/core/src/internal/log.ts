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
  Effect.flatMap(FiberRef.get(FiberRef.currentMinimumLogLevel), (level) =>
    LogLevel.greaterThan(level, LogLevel.Debug)
      ? Effect.void
      : Effect.logDebug(message).pipe(Effect.annotateLogs(annotations)))

/**
 * SIGINT and SIGTERM as values a command can wait for. A money command races its operation
 * against them and, when one comes first, answers with the operation's handle and the command
 * that resumes it (exit 4), instead of dying with the operation lost to the caller; the sandbox
 * and the worker stop cleanly on them. A second signal ends the process at once.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** Waits for the first signal; its name. */
  readonly signal: Effect.Effect<string>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class Signals extends Context.Reference<Signals>()("@effect-qfpay/cli/Signals", {
  defaultValue: (): Service => ({ signal: Effect.never })
}) {}

/**
 * The process's SIGINT and SIGTERM (call once, in `bin.ts`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromProcess = (onSecond: () => void): Service => {
  const first = Deferred.unsafeMake<string>(FiberId.none)
  let received = 0
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    process.on(name, () => {
      received++
      if (received > 1) onSecond()
      else Deferred.unsafeDone(first, Exit.succeed(name))
    })
  }
  return { signal: Deferred.await(first) }
}

/**
 * Stepping a `Schedule` by hand, so that a loop knows the next wait before it sleeps (to
 * compare it with a deadline or a server's `Retry-After`); `Effect.retry` would hide it. Also
 * the retry of read-only effects (enquiries) through transient failures.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import { QFPayConfig } from "../QFPayConfig.js"
import { isTransient } from "../QFPayError.js"

/**
 * A schedule stepped by hand: the wait in milliseconds before the next recurrence, or `None`
 * when the schedule is done. A class, not a closure: the batching scheduler keeps one per
 * operation in progress, a hundred thousand of them.
 *
 * @internal
 */
export class Stepper<In = unknown> {
  private state: unknown
  constructor(private readonly schedule: Schedule.Schedule<unknown, In>) {
    this.state = schedule.initial
  }
  next(now: number, input: In): Effect.Effect<Option.Option<number>> {
    return Effect.map(Effect.suspend(() => this.schedule.step(now, input, this.state)), ([next, _, decision]) => {
      this.state = next
      if (ScheduleDecision.isDone(decision)) return Option.none()
      // Whole milliseconds: jittered schedules produce fractions nobody needs.
      return Option.some(Math.max(0, Math.round(ScheduleIntervals.start(decision.intervals) - now)))
    })
  }
}

const retryAfterOf = (error: { readonly _tag: string }): number => {
  const e = error as { readonly _tag: string; readonly retryAfter?: Duration.Duration | undefined }
  return e._tag === "RateLimited" && e.retryAfter !== undefined ? Duration.toMillis(e.retryAfter) : 0
}

/**
 * Retries a read-only effect through transient failures by the configured retry policy,
 * honouring a server's `Retry-After`.
 *
 * @internal
 */
export const retryTransient = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | QFPayConfig> =>
  Effect.flatMap(QFPayConfig, (config) => {
    const steps = new Stepper(config.retry.schedule)
    const loop: Effect.Effect<A, E, R> = Effect.catchIf(effect, isTransient, (error) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(steps.next(now, error), (delay) =>
          Option.match(delay, {
            onNone: () =>
              Effect.fail(error),
            onSome: (millis) =>
              Effect.zipRight(Effect.sleep(Duration.millis(Math.max(millis, retryAfterOf(error)))), loop)
          }))))
    return loop
  })

/**
 * Steps a `Schedule` by hand, so a loop can know the next delay before sleeping (to compare it
 * with a deadline, or with a server's `Retry-After`). `Effect.repeat`/`retry` would hide it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"

/** @internal */
export interface Stepper<In> {
  /** The delay in milliseconds before the next recurrence, or `None` when the schedule is done. */
  readonly next: (now: number, input: In) => Effect.Effect<Option.Option<number>>
}

/** @internal */
export const make = <Out, In>(schedule: Schedule.Schedule<Out, In>): Stepper<In> => {
  let state: unknown = schedule.initial
  return {
    next: (now, input) =>
      Effect.map(Effect.suspend(() => schedule.step(now, input, state)), ([next, _, decision]) => {
        state = next
        if (ScheduleDecision.isDone(decision)) return Option.none()
        // Whole milliseconds: jittered schedules produce fractions nobody needs.
        return Option.some(Math.max(0, Math.round(ScheduleIntervals.start(decision.intervals) - now)))
      })
  }
}

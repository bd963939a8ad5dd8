/**
 * How long and how often to ask QFPay about an operation that is "in progress".
 *
 * The first enquiry waits `firstDelay` (the docs advise 3–5 s); the next ones follow
 * `schedule`; no enquiry starts after `deadline`, counted from the start of polling. When the
 * schedule ends or the deadline would pass, polling fails with `StillPending`, which carries
 * the handle to resume with. Any `Schedule` can be used.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import * as Decisions from "./Decisions.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface PollPolicy {
  readonly firstDelay: Duration.Duration
  /**
   * The first wait is drawn from [firstDelay, firstDelay × (1 + firstDelayJitter)], so that
   * operations started together do not all ask at once. 0: exactly `firstDelay`.
   */
  readonly firstDelayJitter: number
  readonly schedule: Schedule.Schedule<unknown, unknown>
  readonly deadline: Duration.Duration
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Wait before the first enquiry. Default 3 seconds. */
  readonly firstDelay?: Duration.DurationInput | undefined
  /** The base of the exponential backoff between later enquiries. Default 2 seconds. */
  readonly interval?: Duration.DurationInput | undefined
  /** Backoff factor. Default 1.5. */
  readonly factor?: number | undefined
  /** The longest wait between two enquiries. Default 15 seconds. */
  readonly maxInterval?: Duration.DurationInput | undefined
  /** No enquiry starts later than this after polling began. Default 2 minutes. */
  readonly deadline?: Duration.DurationInput | undefined
  /** At most this many enquiries in all. Default: unbounded (the deadline bounds them). */
  readonly maxEnquiries?: number | undefined
  /**
   * Randomise each wait between 80 % and 120 %, and the first one between 100 % and 125 % (3 to
   * 3.75 s by default, inside the 3–5 s the docs advise), so that many pollers do not align.
   * Default true.
   */
  readonly jitter?: boolean | undefined
}

/**
 * Exponential backoff with jitter, capped, within a deadline.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): PollPolicy => {
  const interval = Duration.decode(options.interval ?? "2 seconds")
  const maxInterval = Duration.decode(options.maxInterval ?? "15 seconds")
  let schedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(interval, options.factor ?? 1.5).pipe(
    Schedule.union(Schedule.spaced(maxInterval))
  )
  if (options.jitter ?? true) schedule = Schedule.jittered(schedule)
  if (options.maxEnquiries !== undefined) {
    schedule = Schedule.intersect(schedule, Schedule.recurs(Math.max(0, options.maxEnquiries - 1)))
  }
  return {
    firstDelay: Duration.decode(options.firstDelay ?? Duration.millis(Decisions.firstEnquiryDelayMillis)),
    firstDelayJitter: (options.jitter ?? true) ? 0.25 : 0,
    schedule,
    deadline: Duration.decode(options.deadline ?? "2 minutes")
  }
}

/**
 * A policy from any schedule: it decides the waits after the first enquiry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSchedule = (
  schedule: Schedule.Schedule<unknown, unknown>,
  options: {
    readonly firstDelay?: Duration.DurationInput
    readonly firstDelayJitter?: number
    readonly deadline?: Duration.DurationInput
  } = {}
): PollPolicy => ({
  firstDelay: Duration.decode(options.firstDelay ?? Duration.millis(Decisions.firstEnquiryDelayMillis)),
  firstDelayJitter: Math.max(0, options.firstDelayJitter ?? 0),
  schedule,
  deadline: Duration.decode(options.deadline ?? "2 minutes")
})

/**
 * First enquiry after 3 to 3.75 s, then exponential backoff from 2 s by 1.5 with jitter,
 * capped at 15 s, for at most 2 minutes.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultPolicy: PollPolicy = make()

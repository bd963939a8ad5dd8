/**
 * How transient failures are retried: HTTP 429, transport failures that surely did not reach
 * QFPay, the "retry later" response codes, and the enquiries of a reconciliation. Every retry
 * sends the **same identifiers**; the refund's `out_trade_no` is made once, outside any retry.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"

/**
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  readonly schedule: Schedule.Schedule<unknown, unknown>
  /**
   * The longest server-asked wait (HTTP 429's `Retry-After`) this policy accepts. A longer one
   * fails at once with `RateLimited` carrying it (or `OutcomeUnknown` after an attempt that
   * may have been applied) instead of leaving the caller waiting. Default 60 seconds.
   */
  readonly maxRetryAfter?: Duration.Duration | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** First wait. Default 500 ms. */
  readonly base?: Duration.DurationInput | undefined
  /** Longest wait. Default 10 s. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** Retries after the first attempt. Default 5. */
  readonly retries?: number | undefined
  /** Default true. */
  readonly jitter?: boolean | undefined
  /** The longest `Retry-After` accepted. Default 60 seconds. */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/**
 * Exponential backoff (factor 2) with jitter, capped, a bounded number of times.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): RetryPolicy => {
  let schedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
    Duration.decode(options.base ?? "500 millis"),
    2
  ).pipe(Schedule.union(Schedule.spaced(Duration.decode(options.maxDelay ?? "10 seconds"))))
  if (options.jitter ?? true) schedule = Schedule.jittered(schedule)
  return {
    schedule: Schedule.intersect(schedule, Schedule.recurs(options.retries ?? 5)),
    maxRetryAfter: Duration.decode(options.maxRetryAfter ?? DEFAULT_MAX_RETRY_AFTER)
  }
}

/**
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_MAX_RETRY_AFTER: Duration.Duration = Duration.seconds(60)

/**
 * The longest `Retry-After` a policy accepts.
 *
 * @since 0.2.0
 * @category getters
 */
export const maxRetryAfter = (policy: RetryPolicy): Duration.Duration => policy.maxRetryAfter ?? DEFAULT_MAX_RETRY_AFTER

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultPolicy: RetryPolicy = make()

/**
 * No retries at all.
 *
 * @since 0.1.0
 * @category constants
 */
export const none: RetryPolicy = { schedule: Schedule.stop, maxRetryAfter: Duration.zero }

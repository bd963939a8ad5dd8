/**
 * Client-side rate limiting that keeps one process under QFPay's documented limits: 100
 * requests per second and 400 per minute, per merchant. Sliding windows, not fixed ones: in
 * no second are there more than 100 requests and in no minute more than 400, wherever the
 * window starts. Requests are let through in arrival order; time comes from `Clock`.
 *
 * `Transport.rateLimited` applies a limiter to every request of a transport: submits and
 * enquiries (the poll scheduler's batched ones included) share it.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/**
 * At most `limit` requests in any `window`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Window {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * QFPay's documented limits.
 *
 * @since 0.1.0
 * @category constants
 */
export const documented: ReadonlyArray<Window> = [
  { limit: 100, window: "1 second" },
  { limit: 400, window: "1 minute" }
]

/**
 * @since 0.1.0
 * @category models
 */
export interface RateLimiter {
  /** Waits for a permit, then runs the effect. */
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

/**
 * A limiter over the given windows.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (windows: ReadonlyArray<Window> = documented): RateLimiter => {
  const state = windows.map((w) => ({
    limit: Math.max(1, Math.floor(w.limit)),
    millis: Duration.toMillis(Duration.decode(w.window)),
    // The times of the last `limit` permits, oldest first.
    times: [] as Array<number>
  }))
  let last = -Infinity
  // Synchronous, so that concurrent callers reserve distinct slots in arrival order.
  const reserve = (now: number): number => {
    let at = Math.max(now, last)
    for (const w of state) {
      if (w.times.length >= w.limit) at = Math.max(at, w.times[w.times.length - w.limit] + w.millis)
    }
    for (const w of state) {
      w.times.push(at)
      if (w.times.length > w.limit) w.times.splice(0, w.times.length - w.limit)
    }
    last = at
    return at
  }
  return <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const at = reserve(now)
      return at > now ? Effect.zipRight(Effect.sleep(Duration.millis(at - now)), effect) : effect
    })
}

/**
 * No limit.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unlimited: RateLimiter = (effect) => effect

/**
 * What the poll and retry policies mean for the decisions: the settings `decide` reads, and the
 * first wait of a round of polling.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type { PollPolicy } from "../PollPolicy.js"
import type { Service as Config } from "../QFPayConfig.js"
import * as RetryPolicy from "../RetryPolicy.js"
import type { Action, Event, Settings } from "./decide.js"
import type { Stepper } from "./schedule.js"

/** @internal */
export const settingsFor = (config: Config, poll: PollPolicy): Settings => ({
  confirmCancellation: config.confirmCancellation,
  maxRetryAfterMillis: Duration.toMillis(RetryPolicy.maxRetryAfter(config.retry)),
  pollDeadlineMillis: Duration.toMillis(poll.deadline)
})

/**
 * The first enquiry of a round of polling waits the policy's first delay (jittered, so that
 * operations started together do not all ask at once), less the time already gone by.
 *
 * @internal
 */
export const firstPoll = (policy: PollPolicy, elapsed: number): Effect.Effect<number> =>
  Effect.map(
    policy.firstDelayJitter > 0 ? Random.next : Effect.succeed(0),
    (r) => Math.max(0, Math.round(Duration.toMillis(policy.firstDelay) * (1 + policy.firstDelayJitter * r)) - elapsed)
  )

/**
 * The answer to a `Wait`: the first poll's delay, or the schedule's next one (`undefined` when
 * the schedule is over), at least what the action asks.
 *
 * @internal
 */
export const delay = (
  action: Extract<Action, { _tag: "Wait" }>,
  policy: PollPolicy,
  steps: Stepper,
  now: number,
  lastCode: string | undefined
): Effect.Effect<Event> =>
  Effect.map(
    action.first !== undefined ? Effect.asSome(firstPoll(policy, now - action.first.since)) : steps.next(now, lastCode),
    (millis): Event => ({
      _tag: "Delay",
      now,
      wait: action,
      millis: Option.isSome(millis) ? Math.max(millis.value, action.atLeast) : undefined
    })
  )

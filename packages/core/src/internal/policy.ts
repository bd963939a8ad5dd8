/**
 * What the poll and retry policies mean for the decisions: the settings `decide` reads, and the
 * first wait of a round of polling.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { PollPolicy } from "../PollPolicy.js"
import type { Service as Config } from "../QFPayConfig.js"
import * as RetryPolicy from "../RetryPolicy.js"
import type { Settings } from "./decide.js"

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

/**
 * A hook told about every enquiry while polling, for progress displays (the CLI prints
 * "attempt 3, last code 1145, next check in 4.5s" to stderr). The default logs at Debug.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Handle } from "./Handle.js"
import * as Log from "./internal/log.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Event {
  readonly handle: Handle
  /** Enquiries made so far while polling this operation. */
  readonly attempt: number
  /** The last code seen: the pending code, or `undefined` when the enquiry could not tell. */
  readonly lastCode: string | undefined
  /** When the next enquiry happens; `None` when polling stops. */
  readonly nextIn: Option.Option<Duration.Duration>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly onEnquiry: (event: Event) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class PollProgress extends Context.Reference<PollProgress>()("@effect-qfpay/core/PollProgress", {
  defaultValue: (): Service => ({
    onEnquiry: (event) =>
      Log.debug("QFPay operation still in progress", {
        attempt: event.attempt,
        lastCode: event.lastCode ?? "none",
        nextIn: Option.match(event.nextIn, { onNone: () => "stop", onSome: Duration.format })
      })
  })
}) {}

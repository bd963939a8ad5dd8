/**
 * Poll the transaction enquiry until an "in progress" operation settles.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Handle } from "./Handle.js"
import { run } from "./internal/run.js"
import type { PollPolicy } from "./PollPolicy.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import type { OperationError } from "./QFPayError.js"
import type { Receipt } from "./Receipt.js"
import type { Transport } from "./Transport.js"

/**
 * The ways polling ends without a receipt.
 *
 * @since 0.1.0
 * @category models
 */
export type PollError = OperationError

/**
 * Asks the transaction enquiry about an operation until it leaves the "in progress" class.
 *
 * - settled: the receipt;
 * - a definite failure: `Rejected`, with the operation's code;
 * - the schedule ends or the deadline passes first: `StillPending`, carrying the handle (and
 *   the last code seen), so that polling can resume later, in this process or another.
 *
 * Uses the configured `PollPolicy` unless one is given. The first enquiry waits the policy's
 * first delay counted from when the operation was submitted (a handle resumed later is asked
 * at once), and at least one enquiry is made however short the deadline. Enquiries that fail
 * in transit count as attempts and polling continues; an enquiry refused for good (a
 * signature error, say) ends polling with `StillPending`, never a rejection of the operation.
 *
 * @example
 * ```ts
 * import { Handle, pollUntilSettled } from "@effect-qfpay/core"
 * import { Effect } from "effect"
 *
 * const token = "eyJfdGFnIjoiUmVmdW5kSGFuZGxlIn0" // saved from a StillPending: Handle.toToken(error.handle)
 * const receipt = Effect.flatMap(Handle.fromToken(token), (handle) => pollUntilSettled(handle))
 * ```
 *
 * @since 0.1.0
 * @category polling
 */
export const pollUntilSettled = (
  handle: Handle,
  policy?: PollPolicy
): Effect.Effect<Receipt, PollError, QFPayConfig | Transport> =>
  // No span of its own: resuming thousands of pending operations at once is its use, and a span
  // per poller costs kilobytes while it sleeps.
  run(handle, "poll", undefined, policy)

/**
 * Poll the transaction enquiry until an "in progress" operation settles.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import { type Handle, operation as operationOf } from "./Handle.js"
import type { SendError } from "./internal/engine.js"
import * as Observe from "./internal/observe.js"
import { type Counters, fromRow } from "./internal/receipts.js"
import { isTransient, nextDelay } from "./internal/retry.js"
import * as Stepper from "./internal/stepper.js"
import type { PollPolicy } from "./PollPolicy.js"
import { PollProgress } from "./PollProgress.js"
import { QFPayConfig } from "./QFPayConfig.js"
import { type InvalidRequest, type Rejected, StillPending } from "./QFPayError.js"
import type { Receipt } from "./Receipt.js"
import type { Transport } from "./Transport.js"

/**
 * The ways polling ends without a receipt.
 *
 * @since 0.1.0
 * @category models
 */
export type PollError = Rejected | StillPending | InvalidRequest | SendError

type Step =
  | { readonly _tag: "Done"; readonly receipt: Receipt }
  | { readonly _tag: "Again"; readonly lastCode: string | undefined }

// One enquiry and what it means for the operation: settled, failed, or ask again.
const enquire = (
  handle: Handle,
  counters: Counters,
  last: string | undefined
): Effect.Effect<Step, PollError, QFPayConfig | Transport> =>
  Effect.flatMap(Effect.either(Observe.observe(handle)), (result): Effect.Effect<Step, PollError> => {
    // An enquiry that failed in transit says nothing about the operation: keep polling.
    if (Either.isLeft(result)) {
      return isTransient(result.left) ? Effect.succeed({ _tag: "Again", lastCode: last }) : Effect.fail(result.left)
    }
    const seen = result.right
    switch (seen._tag) {
      case "Settled":
        return Effect.succeed({ _tag: "Done", receipt: fromRow(handle, seen.row, counters) })
      case "Failed":
        return Effect.fail(Observe.failedError(handle, seen))
      case "Conflict":
        return Effect.fail(Observe.conflictError(handle, seen.row))
      case "Pending":
        return Effect.succeed({ _tag: "Again", lastCode: seen.code })
      case "Absent":
        // A cancellation shows through its payment, whose own code is not the operation's.
        return Effect.succeed({ _tag: "Again", lastCode: last ?? seen.code })
    }
  })

/** @internal */
export const pollWith = (
  handle: Handle,
  policy: PollPolicy,
  counters: Counters,
  lastCode: string | undefined
): Effect.Effect<Receipt, PollError, QFPayConfig | Transport> =>
  Effect.gen(function*() {
    const progress = yield* PollProgress
    const started = yield* Clock.currentTimeMillis
    const deadlineAt = started + Duration.toMillis(policy.deadline)
    const stepper = Stepper.make(policy.schedule)
    const first = Duration.toMillis(policy.firstDelay)
    let delay = policy.firstDelayJitter > 0
      ? Math.round(first * (1 + policy.firstDelayJitter * (yield* Random.next)))
      : first
    let polls = 0
    let last = lastCode
    while (true) {
      const now = yield* Clock.currentTimeMillis
      // No enquiry starts after the deadline.
      if (now + delay > deadlineAt) break
      if (delay > 0) yield* Effect.sleep(Duration.millis(delay))
      polls++
      counters.enquiries++
      const step = yield* enquire(handle, counters, last)
      if (step._tag === "Done") return step.receipt
      last = step.lastCode
      // The schedule sees the last code (not the whole answer, which a sleeping poller of
      // thousands should not keep).
      const next = yield* nextDelay(stepper, last)
      yield* progress.onEnquiry({
        handle,
        attempt: polls,
        lastCode: last,
        nextIn: Option.map(next, Duration.millis)
      })
      if (Option.isNone(next)) break
      delay = next.value
    }
    const elapsed = (yield* Clock.currentTimeMillis) - started
    return yield* Effect.fail(
      new StillPending({
        handle,
        ...(last === undefined ? {} : { lastCode: last }),
        attempts: polls,
        elapsed: Duration.millis(elapsed)
      })
    )
  })

/**
 * Asks the transaction enquiry about an operation until it leaves the "in progress" class.
 *
 * - settled: the receipt;
 * - a definite failure: `Rejected`, with the operation's code;
 * - the schedule ends or the deadline passes first: `StillPending`, carrying the handle (and
 *   the last code seen), so that polling can resume later, in this process or another.
 *
 * Uses the configured `PollPolicy` unless one is given. Enquiries that fail in transit count
 * as attempts and polling continues.
 *
 * @since 0.1.0
 * @category polling
 */
export const pollUntilSettled = (
  handle: Handle,
  policy?: PollPolicy
): Effect.Effect<Receipt, PollError, QFPayConfig | Transport> =>
  // No span of its own: resuming thousands of pending operations at once is its use, and a span
  // per poller costs kilobytes while it sleeps. The caller's span gets the attributes.
  Effect.zipRight(
    Effect.annotateCurrentSpan({
      "qfpay.operation": operationOf(handle),
      "qfpay.out_trade_no": handle.out_trade_no ?? "",
      "qfpay.syssn": handle.syssn ?? ""
    }),
    Effect.flatMap(QFPayConfig, (config) =>
      pollWith(handle, policy ?? config.poll, { attempts: 0, enquiries: 0 }, undefined))
  )

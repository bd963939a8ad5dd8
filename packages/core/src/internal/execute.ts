/**
 * Submit → (retry | reconcile | poll) for the operations that move money or cancel a payment.
 *
 * The rules (PROTOCOL.md §7):
 * - the wire parameters are prepared once, before the first attempt (a refund's `out_trade_no`
 *   included), and every retry or resubmission sends exactly them;
 * - an attempt whose outcome is unknown (lost answer, 5xx, broken body) is looked up with the
 *   enquiry before anything is resubmitted: found → follow it, not found → resubmit;
 * - "duplicate" after such an attempt means "look it up" (without one it is a rejection: the id
 *   was used before, by this intent in another run or by something else); "already cancelled /
 *   closed" after such a reversal or close means it took effect;
 * - retryable codes, 429 and failures that surely did not reach QFPay are retried with backoff;
 *   request errors never are;
 * - "in progress" is polled until settled, or until the poll policy gives up (`StillPending`).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Decisions from "../Decisions.js"
import type { Handle } from "../Handle.js"
import { pollWith } from "../Poll.js"
import type { PollPolicy } from "../PollPolicy.js"
import { QFPayConfig } from "../QFPayConfig.js"
import { type InvalidRequest, OutcomeUnknown, Rejected, type StillPending } from "../QFPayError.js"
import type { Receipt } from "../Receipt.js"
import * as Submit from "../Submit.js"
import type { Transport } from "../Transport.js"
import type { SendError } from "./engine.js"
import * as Observe from "./observe.js"
import * as Receipts from "./receipts.js"
import { isTransient, nextDelay, retryAfterOf, retryTransient } from "./retry.js"
import * as Stepper from "./stepper.js"

/** @internal */
export type ExecuteError = SendError | Rejected | StillPending | OutcomeUnknown | InvalidRequest

/** @internal */
export interface ExecuteOptions {
  readonly poll?: PollPolicy | undefined
  /** Look the operation up before the first submit (resuming after an unknown outcome). */
  readonly reconcileFirst?: boolean | undefined
}

const duplicateCodes: ReadonlyArray<string> = Decisions.duplicateCodes
const alreadyCancelledCodes: ReadonlyArray<string> = Decisions.alreadyCancelledCodes

const isAmbiguous = (error: SendError): boolean => {
  switch (error._tag) {
    case "TransportError":
    case "UnexpectedResponse":
      return error.ambiguous
    case "SignatureMismatch":
      // An answer we cannot trust says nothing about whether the request was applied.
      return true
    case "RateLimited":
      return false
  }
}

/** @internal */
export const execute = <A>(
  prepared: Submit.Prepared<A>,
  initial: Handle,
  options: ExecuteOptions = {}
): Effect.Effect<Receipt, ExecuteError, QFPayConfig | Transport> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const policy = options.poll ?? config.poll
    const stepper = Stepper.make(config.retry.schedule)
    const counters: Receipts.Counters = { attempts: 0, enquiries: 0 }
    const operation = prepared.endpoint.operation
    let handle = initial
    // Whether an earlier attempt of this intent may have been applied.
    let maybeApplied = options.reconcileFirst ?? false
    let lastAmbiguity = "an earlier attempt's answer was lost"

    const unknown = (detail: string) => new OutcomeUnknown({ handle, detail })

    // Looks the operation up. Some(receipt) when the enquiry decides; None when it is not there.
    const reconcile: Effect.Effect<Option.Option<Receipt>, ExecuteError, QFPayConfig | Transport> = Effect.gen(
      function*() {
        const seen = yield* retryTransient(Effect.suspend(() => {
          counters.enquiries++
          return Observe.observe(handle)
        })).pipe(
          Effect.catchIf(
            isTransient,
            (e) => Effect.fail(unknown(`${lastAmbiguity}, and the enquiry failed too: ${e.message}`))
          )
        )
        switch (seen._tag) {
          case "Settled":
            return Option.some(Receipts.fromRow(handle, seen.row, counters))
          case "Pending":
            return Option.some(yield* pollWith(handle, policy, counters, seen.code))
          case "Failed":
            return yield* Effect.fail(Observe.failedError(handle, seen))
          case "Conflict":
            return yield* Effect.fail(Observe.conflictError(handle, seen.row))
          case "Absent":
            return Option.none()
        }
      }
    )

    const rejected = (answer: Submit.Submitted<A, unknown>) =>
      Rejected.fromCode({
        endpoint: operation,
        code: answer.code,
        resperr: answer.envelope.resperr,
        respmsg: answer.envelope.respmsg,
        handle
      })

    if (maybeApplied) {
      const found = yield* reconcile
      if (Option.isSome(found)) return found.value
    }

    while (true) {
      counters.attempts++
      const result = yield* Effect.either(Submit.resend(prepared))

      if (Either.isRight(result)) {
        const answer = result.right
        switch (answer.class) {
          case "success": {
            handle = Receipts.withNewSyssn(handle, answer.response?.syssn)
            if (handle._tag === "CancelHandle" && config.confirmCancellation) {
              // "A reversal does not guarantee that the user has not been charged. Always verify."
              counters.enquiries++
              const seen = yield* Effect.either(Observe.observe(handle))
              if (Either.isRight(seen)) {
                switch (seen.right._tag) {
                  case "Settled":
                    return Receipts.fromRow(handle, seen.right.row, counters, answer.response)
                  case "Failed":
                    // The customer paid after all: the 0000 did not hold. (A payment the enquiry
                    // does not know, or one that failed, leaves nothing charged: the 0000 stands.)
                    if (seen.right.row !== undefined && seen.right.code === "1260") {
                      return yield* Effect.fail(Observe.failedError(handle, seen.right))
                    }
                    break
                  default:
                    // Not yet visible (an enquiry that lags): the 0000 stands; no polling for it.
                    break
                }
              } else {
                yield* Effect.logWarning("QFPay: could not confirm the cancellation with an enquiry").pipe(
                  Effect.annotateLogs({ error: seen.left.message })
                )
              }
            }
            return Receipts.fromResponse(handle, answer.response, counters, "response")
          }
          case "pending": {
            handle = Receipts.withNewSyssn(handle, answer.response?.syssn)
            return yield* pollWith(handle, policy, counters, answer.code)
          }
          case "retryable": {
            const delay = yield* nextDelay(stepper, answer)
            if (Option.isNone(delay)) {
              return yield* Effect.fail(
                maybeApplied ? unknown(`${lastAmbiguity}; retries ended on ${answer.code}`) : rejected(answer)
              )
            }
            yield* Effect.sleep(Duration.millis(delay.value))
            continue
          }
          default: {
            if (duplicateCodes.includes(answer.code) && maybeApplied) {
              // Our own earlier attempt may be what QFPay already knows: find out what it is.
              const found = yield* reconcile
              if (Option.isSome(found)) return found.value
              // "Duplicate" without a visible record is not a failure we can vouch for: the
              // enquiry may simply lag.
              return yield* Effect.fail(
                unknown(`QFPay answered ${answer.code} (duplicate) but the enquiry does not show the operation yet`)
              )
            }
            if (maybeApplied && handle._tag === "CancelHandle" && alreadyCancelledCodes.includes(answer.code)) {
              return Receipts.fromResponse(handle, undefined, counters, "already-done")
            }
            return yield* Effect.fail(rejected(answer))
          }
        }
      }

      const error = result.left
      if (isAmbiguous(error)) {
        maybeApplied = true
        lastAmbiguity = error.message
        const delay = yield* nextDelay(stepper, error)
        if (Option.isNone(delay)) return yield* Effect.fail(unknown(error.message))
        yield* Effect.sleep(Duration.millis(delay.value))
        const found = yield* reconcile
        if (Option.isSome(found)) return found.value
        // Not applied: resubmit the very same request.
        continue
      }
      const delay = yield* nextDelay(stepper, error, retryAfterOf(error))
      if (Option.isNone(delay)) return yield* Effect.fail(maybeApplied ? unknown(lastAmbiguity) : error)
      yield* Effect.sleep(Duration.millis(delay.value))
    }
  })

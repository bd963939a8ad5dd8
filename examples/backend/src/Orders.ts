/**
 * Cancelling an order: the backend's own flow, free of HTTP so that it can be property-tested
 * on the in-memory test layer (`test/cancel-order.property.test.ts`).
 *
 * An order's cancellation is one durable intent, `cancel-order-<id>`, an undo of the payment
 * whose out_trade_no is the order id: refund it if it was paid, reverse or close it if not,
 * nothing if it is already undone. The intent is recorded before the first request to QFPay,
 * so a retried request, a crash, or a deploy never moves money twice; the runner (this
 * process) follows it to its end after the request has been answered.
 */
import type { Undo } from "@effect-qfpay/core"
import { Handle, QFPayError } from "@effect-qfpay/core"
import type { Journal } from "@effect-qfpay/durable"
import { Durable, Workflows } from "@effect-qfpay/durable"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import type * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import {
  type CancelAccepted,
  CancelConflict,
  type CancelOutcome,
  CancelRefused,
  type CancelStatus,
  InternalError,
  InvalidOrder,
  OrderNotFound,
  OutcomeUnknown,
  QFPayUnavailable
} from "./Api.js"

/**
 * The intent of an order's cancellation: the caller's idempotency key, derived from the order,
 * so every retry of the same request names the same operation.
 */
export const intentOf = (order: string): string => `cancel-order-${order}`

/**
 * How long a request waits for the cancellation before answering 202. QFPay answers most
 * operations at once; one "in progress" is first asked about after 3 seconds, which a request
 * handler should not sit through for long. The runner keeps following it after the answer.
 */
export const defaultWait: Duration.Duration = Duration.seconds(3)

/**
 * Everything a cancellation can fail with, as the HTTP errors of the API.
 */
export type CancelError =
  | InvalidOrder
  | OrderNotFound
  | CancelConflict
  | CancelRefused
  | QFPayUnavailable
  | OutcomeUnknown
  | InternalError

const errorClasses = {
  InvalidOrder,
  OrderNotFound,
  CancelConflict,
  CancelRefused,
  QFPayUnavailable,
  OutcomeUnknown,
  InternalError
} as const

/**
 * The HTTP status of an error, as the API declares it (one source of truth: the schema's
 * annotation, which the OpenAPI document shows too).
 */
export const statusOf = (error: CancelError): number => HttpApiSchema.getStatusError(errorClasses[error._tag])

// The store's own words go to the log, not into the answer.
const logInternal = (error: Journal.JournalError) => Effect.logError("the durable journal failed", error)
const journalFailed = () =>
  new InternalError({ message: "the backend's journal could not be read or written; try again" })

/**
 * An undo's result as the API's answer.
 */
export const toOutcome = (order: string, result: Undo.UndoResult): CancelOutcome => {
  const intent = intentOf(order)
  switch (result._tag) {
    case "Refunded":
      return {
        outcome: "refunded",
        order,
        intent,
        message: `Order ${order}: ${result.receipt.txamt} cents refunded.`,
        refund: {
          syssn: result.receipt.syssn,
          out_trade_no: result.receipt.out_trade_no,
          txamt: result.receipt.txamt,
          confirmed_by: result.receipt.confirmed_by
        }
      }
    case "Cancelled":
      return {
        outcome: "cancelled",
        order,
        intent,
        message: `Order ${order}: payment ${
          result.receipt.operation === "close" ? "closed" : "reversed"
        }, the customer is not charged.`,
        operation: result.receipt.operation === "close" ? "close" : "reversal",
        txamt: result.receipt.txamt,
        confirmed_by: result.receipt.confirmed_by
      }
    case "NothingToUndo":
      return { outcome: "nothing-to-undo", order, intent, message: result.description, reason: result.reason }
  }
}

/**
 * A failure of the durable undo as the API's error. The table in the README is this function.
 */
export const toError = (
  order: string,
  error: QFPayError.QFPayError | Durable.IntentConflict | Journal.JournalError
): CancelError => {
  const message = error.message
  switch (error._tag) {
    case "InvalidRequest":
      return new InvalidOrder({ message, issues: error.issues })
    case "TransactionNotFound":
      return new OrderNotFound({ message, order })
    case "Rejected":
      // QFPay's own decision, by class: nothing moved.
      switch (error.class) {
        case "state-conflict":
          return new CancelConflict({ message, reason: "state-conflict", code: error.code })
        case "retryable":
          // "Retry later" answers outlasted the retries and the enquiry shows nothing.
          return new QFPayUnavailable({ message, reason: "retry-later" })
        case "refund-limit":
        case "request-error":
          return new CancelRefused({ message, reason: error.class, code: error.code })
        default:
          return new CancelRefused({ message, reason: "other", code: error.code })
      }
    case "IdempotencyKeyReused":
      return new CancelConflict({ message, reason: "idempotency-key-reused" })
    case "IntentConflict":
      return new CancelConflict({ message, reason: "intent-conflict" })
    case "UnknownPayType":
      return new CancelRefused({ message, reason: "unknown-pay-type" })
    case "OutcomeUnknown":
      return new OutcomeUnknown({ message, intent: intentOf(order), handle: Handle.toToken(error.handle) })
    case "TransportError":
      return new QFPayUnavailable({ message, reason: "transport" })
    case "RateLimited":
      return new QFPayUnavailable({
        message,
        reason: "rate-limited",
        ...(error.retryAfter === undefined
          ? {}
          : { retryAfterSeconds: Math.ceil(Duration.toSeconds(error.retryAfter)) })
      })
    case "UnexpectedResponse":
      return new QFPayUnavailable({ message, reason: "unexpected-response" })
    case "SignatureMismatch":
      return new QFPayUnavailable({ message, reason: "signature-mismatch" })
    case "JournalError":
      return journalFailed()
    case "StillPending":
      // `cancelOrder` answers it with 202, and the journal never records it as a failure (the
      // runner follows it up), so this is only for completeness.
      return new OutcomeUnknown({ message, intent: intentOf(order), handle: Handle.toToken(error.handle) })
  }
}

// The handle of an intent in progress, as a token to resume it with (`qfpay poll <token>`): the
// journal holds it once the engine sent a request.
const handleOf = (intent: string) =>
  Durable.status(intent).pipe(
    Effect.map((status) => (status.handle === undefined ? {} : { handle: Handle.toToken(status.handle) })),
    Effect.orElseSucceed(() => ({}))
  )

const accepted = (order: string, message: string, handle: { readonly handle?: string }): CancelAccepted => ({
  outcome: "in-progress",
  order,
  intent: intentOf(order),
  message,
  check: `/orders/${encodeURIComponent(order)}/cancel`,
  ...handle
})

/**
 * Cancels an order: the durable undo, waiting at most `wait` for its end.
 *
 * Succeeds with the settled outcome, or with `in-progress` (HTTP 202) when the wait ended first:
 * the intent is recorded and the runner follows it. Fails with the API's typed errors.
 */
export const cancelOrder = (
  order: string,
  options: { readonly wait?: Duration.DurationInput | undefined } = {}
): Effect.Effect<CancelOutcome | CancelAccepted, CancelError, WorkflowEngine.WorkflowEngine | Journal.Journal> =>
  Durable.undo(intentOf(order), { out_trade_no: order }, { wait: options.wait ?? defaultWait }).pipe(
    Effect.map((result) => toOutcome(order, result)),
    Effect.catchTags({
      // Recorded and in progress: the runner follows it; the client checks later.
      StillInProgress: (e) =>
        Effect.map(
          handleOf(e.intent),
          (handle) =>
            accepted(order, `Order ${order}: the cancellation is recorded and in progress; check again later.`, handle)
        ),
      // The runner followed it as long as it is configured to, and QFPay still says "in progress".
      StillPending: (e) =>
        Effect.succeed(
          accepted(order, `Order ${order}: QFPay still reports the cancellation in progress.`, {
            handle: Handle.toToken(e.handle)
          })
        )
    }),
    Effect.tapErrorTag("JournalError", logInternal),
    Effect.mapError((error) => toError(order, error)),
    Effect.withSpan("Backend.cancelOrder", { attributes: { order } })
  )

// The journal keeps a settled result or a failure as JSON; read them back through the schemas
// they were made from.
const decodeResult = Schema.decodeUnknownEither(Workflows.UndoResult)
const decodeFailure = Schema.decodeUnknownEither(QFPayError.QFPayError)

/**
 * What the journal says of an order's cancellation.
 */
export const cancellationStatus = (
  order: string
): Effect.Effect<CancelStatus, OrderNotFound | InternalError, Journal.Journal> =>
  Durable.status(intentOf(order)).pipe(
    Effect.map((status): CancelStatus => {
      const base = {
        order,
        intent: status.intent,
        state: status.state,
        ...(status.handle === undefined ? {} : { handle: Handle.toToken(status.handle) }),
        createdAt: status.createdAt,
        updatedAt: status.updatedAt
      }
      if (status.state === "settled") {
        return Either.match(decodeResult(status.result), {
          onLeft: () => base,
          onRight: (result) => ({ ...base, result: toOutcome(order, result) })
        })
      }
      if (status.state === "failed") {
        const error = Either.match(decodeFailure(status.result), {
          onLeft: () => new InternalError({ message: "the recorded failure could not be read" }),
          onRight: (failure) => toError(order, failure)
        })
        return { ...base, error: { _tag: error._tag, status: statusOf(error), message: error.message } }
      }
      return base
    }),
    Effect.catchTags({
      UnknownIntent: () =>
        Effect.fail(new OrderNotFound({ message: `no cancellation is recorded for order ${order}`, order })),
      JournalError: (e) => Effect.zipRight(logInternal(e), Effect.fail(journalFailed()))
    })
  )

/**
 * The backend's HTTP contract, as an `@effect/platform` `HttpApi`: every answer and every error
 * is a schema, so the server is type-checked against it and the OpenAPI document (served at
 * `/docs` and `/openapi.json`) is generated from it, never written by hand.
 *
 * Each error carries its HTTP status (`HttpApiSchema.annotations({ status })`); the mapping
 * from the library's typed errors to these is in `Orders.ts`, and tabled in the README.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Schema from "effect/Schema"

// --- answers -------------------------------------------------------------------------------------

const OrderPath = Schema.Struct({
  id: Schema.String.annotations({
    description: "The order id: the payment's out_trade_no at QFPay.",
    examples: ["order-1001"]
  })
})

/** How QFPay's answer was established (`found`: an earlier attempt had already been applied). */
const ConfirmedBy = Schema.Literal("response", "enquiry", "found")

/**
 * The payment was paid: what was left of it is refunded.
 */
export const Refunded = Schema.Struct({
  outcome: Schema.Literal("refunded"),
  order: Schema.String,
  intent: Schema.String,
  message: Schema.String,
  refund: Schema.Struct({
    /** The refund's own transaction number at QFPay. */
    syssn: Schema.optional(Schema.String),
    /** The refund's id, derived from the intent: every retry sends the same one. */
    out_trade_no: Schema.optional(Schema.String),
    txamt: Schema.Number.annotations({ description: "Refunded, in cents." }),
    confirmed_by: ConfirmedBy
  })
}).annotations({ identifier: "Refunded", description: "The payment was paid: what was left of it is refunded." })

/**
 * The payment had not completed: it is reversed or closed, so the customer is not charged.
 */
export const Cancelled = Schema.Struct({
  outcome: Schema.Literal("cancelled"),
  order: Schema.String,
  intent: Schema.String,
  message: Schema.String,
  operation: Schema.Literal("reversal", "close"),
  txamt: Schema.Number.annotations({ description: "The payment's amount, in cents." }),
  confirmed_by: ConfirmedBy
}).annotations({
  identifier: "Cancelled",
  description: "The payment had not completed: it is reversed or closed, so the customer is not charged."
})

/**
 * Nothing was left to undo: already cancelled, already fully refunded, or the payment failed.
 */
export const NothingToUndo = Schema.Struct({
  outcome: Schema.Literal("nothing-to-undo"),
  order: Schema.String,
  intent: Schema.String,
  message: Schema.String,
  reason: Schema.Literal("already-cancelled", "already-refunded", "payment-failed")
}).annotations({
  identifier: "NothingToUndo",
  description: "Nothing was left to undo: already cancelled, already fully refunded, or the payment failed."
})

/**
 * The order's cancellation, settled. The same body for every retry of the same order.
 */
export const CancelOutcome = Schema.Union(Refunded, Cancelled, NothingToUndo).annotations({
  identifier: "CancelOutcome",
  description: "Settled: refunded, cancelled, or nothing to undo. Every retry gets the same answer."
})

export type CancelOutcome = typeof CancelOutcome.Type

/**
 * 202: recorded, and still in progress when the request's short wait ended. The durable runner
 * follows it to its end; `GET` the same path to see how it ended (or `POST` again: the same
 * intent never moves money twice).
 */
export const CancelAccepted = Schema.Struct({
  outcome: Schema.Literal("in-progress"),
  order: Schema.String,
  intent: Schema.String,
  message: Schema.String,
  /** Where to ask how it ended. */
  check: Schema.String,
  /** The operation's handle (`qfpay poll <handle>`), once a request was sent. */
  handle: Schema.optional(Schema.String)
}).annotations({
  identifier: "CancelAccepted",
  description: "Recorded and in progress: the durable runner follows it. GET the same path later."
})

export type CancelAccepted = typeof CancelAccepted.Type

/**
 * What the journal says of an order's cancellation.
 */
export const CancelStatus = Schema.Struct({
  order: Schema.String,
  intent: Schema.String,
  state: Schema.Literal("pending", "settled", "failed"),
  /** The operation's handle, once a request was sent. */
  handle: Schema.optional(Schema.String),
  /** When settled: the answer `POST` gives. */
  result: Schema.optional(CancelOutcome),
  /** When failed: the error `POST` gives (its tag, HTTP status and message). */
  error: Schema.optional(Schema.Struct({ _tag: Schema.String, status: Schema.Number, message: Schema.String })),
  createdAt: Schema.String,
  updatedAt: Schema.String
}).annotations({ identifier: "CancelStatus" })

export type CancelStatus = typeof CancelStatus.Type

// --- errors --------------------------------------------------------------------------------------
// One class per HTTP status and meaning. Each says, like the library's errors, what happened to
// the money, so a client knows whether retrying the same request is safe (it always is: the
// intent is derived from the order id).

const Issue = Schema.Struct({ path: Schema.String, message: Schema.String })

/**
 * 400: the order id cannot name a payment (QFPay's out_trade_no rules). Nothing was sent.
 */
export class InvalidOrder extends Schema.TaggedError<InvalidOrder>()("InvalidOrder", {
  message: Schema.String,
  issues: Schema.Array(Issue)
}, HttpApiSchema.annotations({ status: 400, description: "Bad order id: nothing was sent." })) {}

/**
 * 404: QFPay's enquiry does not know the order's payment (or no cancellation is recorded, for
 * `GET`).
 */
export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", {
  message: Schema.String,
  order: Schema.String
}, HttpApiSchema.annotations({ status: 404, description: "QFPay does not know this order's payment." })) {}

/**
 * 409: the order's state, or the ids involved, conflict with this cancellation. Nothing moved
 * for it.
 * - `state-conflict`: QFPay refused, the payment being in a state that forbids it (code 1125,
 *   1142, 1181, 1260-1267);
 * - `idempotency-key-reused`: the refund's id names another operation at QFPay;
 * - `intent-conflict`: the intent is recorded for another operation (someone used
 *   `cancel-order-<id>` for something else).
 */
export class CancelConflict extends Schema.TaggedError<CancelConflict>()("CancelConflict", {
  message: Schema.String,
  reason: Schema.Literal("state-conflict", "idempotency-key-reused", "intent-conflict"),
  code: Schema.optional(Schema.String)
}, HttpApiSchema.annotations({ status: 409, description: "Conflicts with the order's state: nothing moved." })) {}

/**
 * 422: QFPay refused the cancellation for good (refund limits, request errors, other codes), or
 * the payment's pay type has no cancellation route. Nothing moved.
 */
export class CancelRefused extends Schema.TaggedError<CancelRefused>()("CancelRefused", {
  message: Schema.String,
  reason: Schema.Literal("refund-limit", "request-error", "other", "unknown-pay-type"),
  code: Schema.optional(Schema.String)
}, HttpApiSchema.annotations({ status: 422, description: "QFPay refused it: nothing moved." })) {}

/**
 * 503: QFPay could not be reached, rate-limited us, answered garbage or asked to retry later,
 * and nothing of this cancellation applied. The same request may be sent again.
 */
export class QFPayUnavailable extends Schema.TaggedError<QFPayUnavailable>()(
  "QFPayUnavailable",
  {
    message: Schema.String,
    reason: Schema.Literal("transport", "rate-limited", "unexpected-response", "signature-mismatch", "retry-later"),
    retryAfterSeconds: Schema.optional(Schema.Number)
  },
  HttpApiSchema.annotations({
    status: 503,
    description: "QFPayUnavailable: nothing applied, send the same request again later. " +
      "OutcomeUnknown: may have moved; the runner reconciles it, or reconcile with the handle."
  })
) {}

/**
 * 503: a request may have been applied and the enquiry could not tell. The handle reconciles
 * it (`qfpay poll --reconcile <handle>`); the same request may be sent again (it looks the
 * operation up before sending anything).
 */
export class OutcomeUnknown extends Schema.TaggedError<OutcomeUnknown>()("OutcomeUnknown", {
  message: Schema.String,
  intent: Schema.String,
  handle: Schema.String
}, HttpApiSchema.annotations({ status: 503, description: "May have moved; reconcile with the handle." })) {}

/**
 * 500: the backend's own store failed.
 */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 500 })) {}

// --- endpoints -----------------------------------------------------------------------------------

export class OrdersApi extends HttpApiGroup.make("orders")
  .add(
    HttpApiEndpoint.post("cancelOrder", "/orders/:id/cancel")
      .setPath(OrderPath)
      .addSuccess(CancelOutcome)
      .addSuccess(CancelAccepted, { status: 202 })
      .addError(InvalidOrder)
      .addError(OrderNotFound)
      .addError(CancelConflict)
      .addError(CancelRefused)
      .addError(QFPayUnavailable)
      .addError(OutcomeUnknown)
      .addError(InternalError)
      .annotate(OpenApi.Summary, "Cancel an order: refund it if paid, cancel the payment if not")
      .annotate(
        OpenApi.Description,
        "Durable: recorded before the first request to QFPay, followed to its end by the runner. " +
          "Waits a few seconds, then answers 202 if QFPay is still working on it. " +
          "Safe to retry: the same order never moves money twice."
      )
  )
  .add(
    HttpApiEndpoint.get("cancellation", "/orders/:id/cancel")
      .setPath(OrderPath)
      .addSuccess(CancelStatus)
      .addError(InvalidOrder)
      .addError(OrderNotFound)
      .addError(InternalError)
      .annotate(OpenApi.Summary, "How the order's cancellation stands")
  )
{}

/**
 * QFPay's asynchronous notifications. The body is read raw (the signature covers its exact
 * bytes): the payload schema here documents it, the handler does not decode through it.
 */
export class NotificationsApi extends HttpApiGroup.make("qfpay")
  .add(
    HttpApiEndpoint.post("notify", "/qfpay/notify")
      .setHeaders(Schema.Struct({
        "x-qf-sign": Schema.optional(Schema.String).annotations({
          description: "The notification's signature: hex digest of the raw body followed by the client key."
        })
      }))
      .setPayload(
        Schema.Struct({
          notify_type: Schema.Literal("payment", "refund"),
          syssn: Schema.String,
          out_trade_no: Schema.optional(Schema.String),
          txamt: Schema.String,
          respcd: Schema.String
        }).annotations({ identifier: "Notification", description: "QFPay's JSON, signed over its raw bytes." })
      )
      .addSuccess(HttpApiSchema.Text().annotations({ description: "`SUCCESS`: recorded; QFPay stops delivering it." }))
      .addError(
        HttpApiSchema.Text().annotations({
          description: "Bad or missing signature, or a body that is not a notification."
        }),
        { status: 400 }
      )
      .addError(
        HttpApiSchema.Text().annotations({ description: "`FAIL`: not recorded; QFPay delivers it again." }),
        { status: 500 }
      )
      .annotate(OpenApi.Summary, "QFPay's notification endpoint: recorded once per payment or refund")
  )
{}

export class BackendApi extends HttpApi.make("backend")
  .add(OrdersApi)
  .add(NotificationsApi)
  .annotate(OpenApi.Title, "effect-qfpay reference backend")
  .annotate(
    OpenApi.Description,
    "Cancel orders paid through QFPay, durably, and receive QFPay's notifications once each."
  )
{}

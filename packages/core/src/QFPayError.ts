/**
 * Every way a QFPay program can fail, as tagged errors with a readable `message`.
 * Catch them by tag: `Effect.catchTag("Rejected", (e) => …)`.
 *
 * - `InvalidRequest`: bad input, caught before anything was sent.
 * - `Rejected`: QFPay answered with a definite failure code.
 * - `StillPending`: still "in progress" at the polling deadline; carries the handle to resume.
 * - `OutcomeUnknown`: a request may have been applied and reconciliation could not tell; carries the handle.
 * - `TransportError`: the network failed (`ambiguous` says whether the request may have arrived).
 * - `RateLimited`: HTTP 429 after the retries allowed.
 * - `UnexpectedResponse`: an answer that is not QFPay JSON (5xx, truncated, not JSON).
 * - `SignatureMismatch`: a signature that did not verify.
 * - `UnknownPayType`: a cancellation for a pay type the routing table does not know.
 * - `TransactionNotFound`: the enquiry does not know the payment.
 * - `IdempotencyKeyReused`: the operation's own id already names another operation at QFPay.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { describe as describeHandle, Handle } from "./Handle.js"
import { formatIssues } from "./internal/issues.js"
import * as ResponseCode from "./ResponseCode.js"
import { SignatureMismatch } from "./Signature.js"

export {
  /**
   * @since 0.1.0
   * @category errors
   */
  SignatureMismatch
}

/**
 * One problem with a request: where (`path`, such as `txamt`) and what.
 *
 * @since 0.1.0
 * @category models
 */
export const Issue = Schema.Struct({ path: Schema.String, message: Schema.String })

/**
 * Bad input, caught before anything was sent: nothing happened at QFPay.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>("@effect-qfpay/core/InvalidRequest")(
  "InvalidRequest",
  {
    operation: Schema.String,
    issues: Schema.Array(Issue)
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `invalid ${this.operation} request: ${formatIssues(this.issues)}`
  }
}

const ResponseClass = Schema.Literal(
  "success",
  "pending",
  "retryable",
  "request-error",
  "refund-limit",
  "state-conflict",
  "other"
)

/**
 * QFPay answered with a definite failure. `class` says which kind (PROTOCOL §5); `resperr`
 * and `respmsg` are QFPay's own words.
 *
 * @since 0.1.0
 * @category errors
 */
export class Rejected extends Schema.TaggedError<Rejected>("@effect-qfpay/core/Rejected")("Rejected", {
  endpoint: Schema.String,
  code: Schema.String,
  class: ResponseClass,
  meaning: Schema.String,
  resperr: Schema.optional(Schema.String),
  respmsg: Schema.optional(Schema.String),
  handle: Schema.optional(Handle)
}) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const detail = [this.resperr, this.respmsg]
      .filter((s): s is string => s !== undefined && s !== "" && s !== this.meaning)
      .join("; ")
    return `QFPay rejected the ${this.endpoint}: ${this.code} ${this.meaning}${detail === "" ? "" : ` (${detail})`}`
  }

  /**
   * @since 0.1.0
   */
  static fromCode(options: {
    readonly endpoint: string
    readonly code: string
    readonly resperr?: string | undefined
    readonly respmsg?: string | undefined
    readonly handle?: Handle | undefined
  }): Rejected {
    const info = ResponseCode.lookup(options.code)
    return new Rejected({
      endpoint: options.endpoint,
      code: options.code,
      class: info.class,
      meaning: info.meaning,
      ...(options.resperr !== undefined ? { resperr: options.resperr } : {}),
      ...(options.respmsg !== undefined ? { respmsg: options.respmsg } : {}),
      ...(options.handle !== undefined ? { handle: options.handle } : {})
    })
  }
}

/**
 * Still "in progress" when the polling deadline passed. Nothing is lost: resume with
 * `pollUntilSettled(error.handle)` (or `qfpay poll <token>`).
 *
 * @since 0.1.0
 * @category errors
 */
export class StillPending extends Schema.TaggedError<StillPending>("@effect-qfpay/core/StillPending")(
  "StillPending",
  {
    handle: Handle,
    lastCode: Schema.optional(Schema.String),
    attempts: Schema.Number,
    elapsed: Schema.DurationFromMillis,
    /** Why polling stopped before the operation settled, when an enquiry failed. */
    detail: Schema.optional(Schema.String)
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const last = this.lastCode === undefined
      ? "not yet visible to the enquiry"
      : `last code ${this.lastCode} ${ResponseCode.meaning(this.lastCode)}`
    return `the ${describeHandle(this.handle)} is still in progress after ${this.attempts} ${
      this.attempts === 1 ? "enquiry" : "enquiries"
    } over ${Duration.format(this.elapsed)} (${last}${
      this.detail === undefined ? "" : `; ${this.detail}`
    }); resume polling later with its handle`
  }
}

/**
 * A request that may or may not have been applied (its answer was lost), and the enquiries
 * that should have told which did not succeed. Nothing was resubmitted blind: reconcile with
 * the handle (it looks the operation up before submitting again).
 *
 * @since 0.1.0
 * @category errors
 */
export class OutcomeUnknown extends Schema.TaggedError<OutcomeUnknown>("@effect-qfpay/core/OutcomeUnknown")(
  "OutcomeUnknown",
  {
    handle: Handle,
    detail: Schema.String
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `the outcome of the ${
      describeHandle(this.handle)
    } is unknown (${this.detail}); reconcile with its handle before submitting again`
  }
}

/**
 * Why a transport failed.
 *
 * @since 0.1.0
 * @category models
 */
export const TransportReason = Schema.Literal("Connect", "Timeout", "Disconnected", "Aborted", "Other")

/**
 * The network failed. `ambiguous: false` means the request surely did not reach QFPay;
 * `ambiguous: true` means it may have, and its outcome must be looked up, not assumed.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("@effect-qfpay/core/TransportError")(
  "TransportError",
  {
    endpoint: Schema.String,
    reason: TransportReason,
    ambiguous: Schema.Boolean,
    detail: Schema.String,
    cause: Schema.optional(Schema.Defect)
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const reach = this.ambiguous ? "it may have reached QFPay" : "it did not reach QFPay"
    return `the ${this.endpoint} request failed in transit (${this.reason}: ${this.detail}); ${reach}`
  }
}

/**
 * HTTP 429: over QFPay's rate limit (100 requests/s, 400 requests/min per merchant).
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@effect-qfpay/core/RateLimited")("RateLimited", {
  endpoint: Schema.String,
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `QFPay rate-limited the ${this.endpoint} request (HTTP 429)${
      this.retryAfter === undefined ? "" : `; retry after ${Duration.format(this.retryAfter)}`
    }`
  }
}

/**
 * An answer that is not the JSON QFPay sends: an HTTP error status, a body that is not JSON
 * or is cut short, or JSON without a response code. `ambiguous` says whether the request may
 * have been applied (a 5xx or a broken body after a refund, reversal or close).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>(
  "@effect-qfpay/core/UnexpectedResponse"
)("UnexpectedResponse", {
  endpoint: Schema.String,
  status: Schema.Number,
  reason: Schema.String,
  excerpt: Schema.String,
  ambiguous: Schema.Boolean
}) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const excerpt = this.excerpt === "" ? "" : `: ${JSON.stringify(this.excerpt)}`
    return `unexpected answer to the ${this.endpoint} request (HTTP ${this.status}, ${this.reason})${excerpt}`
  }
}

/**
 * A cancellation for a pay type the routing table does not place under reversal or close.
 * The library does not guess.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownPayType extends Schema.TaggedError<UnknownPayType>("@effect-qfpay/core/UnknownPayType")(
  "UnknownPayType",
  {
    payType: Schema.String,
    reversal: Schema.Array(Schema.String),
    close: Schema.Array(Schema.String)
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `pay type ${this.payType} has no cancellation route: reversal covers ${
      this.reversal.join(", ")
    }; close covers ${this.close.join(", ")} (configure the routing table to add it)`
  }
}

/**
 * The transaction enquiry does not know the payment.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransactionNotFound extends Schema.TaggedError<TransactionNotFound>(
  "@effect-qfpay/core/TransactionNotFound"
)("TransactionNotFound", {
  syssn: Schema.optional(Schema.String),
  out_trade_no: Schema.optional(Schema.String)
}) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const names = [
      this.syssn === undefined ? undefined : `syssn ${this.syssn}`,
      this.out_trade_no === undefined ? undefined : `out_trade_no ${this.out_trade_no}`
    ].filter((s) => s !== undefined).join(" / ")
    return `QFPay's transaction enquiry does not know the payment ${names}`
  }
}

/**
 * What the enquiry showed under an id: enough to tell which operation it is.
 *
 * @since 0.2.0
 * @category models
 */
export const FoundOperation = Schema.Struct({
  syssn: Schema.String,
  order_type: Schema.optional(Schema.String),
  out_trade_no: Schema.optional(Schema.String),
  origssn: Schema.optional(Schema.String),
  txamt: Schema.optional(Schema.Number),
  respcd: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface FoundOperation extends Schema.Schema.Type<typeof FoundOperation> {}

/**
 * The operation's own id (a refund's `out_trade_no`) already names **another** operation at
 * QFPay: another payment, or another amount. This is not QFPay refusing the operation: QFPay
 * answered "duplicate", and the enquiry showed what the id names. Nothing was applied for this
 * intent; the operation found is someone else's. Use a new id for a new intent.
 *
 * @since 0.2.0
 * @category errors
 */
export class IdempotencyKeyReused
  extends Schema.TaggedError<IdempotencyKeyReused>("@effect-qfpay/core/IdempotencyKeyReused")(
    "IdempotencyKeyReused",
    {
      handle: Handle,
      found: FoundOperation
    }
  )
{
  /**
   * @since 0.2.0
   */
  override get message(): string {
    const f = this.found
    const what = [
      f.order_type ?? "transaction",
      f.syssn,
      f.txamt === undefined ? undefined : `of ${f.txamt} cents`,
      f.origssn === undefined ? undefined : `on payment ${f.origssn}`
    ].filter((s) => s !== undefined).join(" ")
    return `the id ${this.handle.out_trade_no ?? this.handle.syssn} names another operation at QFPay (${what}), ` +
      `not the ${describeHandle(this.handle)}; nothing was applied for this one: use a new id for a new operation`
  }
}

/**
 * @since 0.1.0
 * @category errors
 */
export type QFPayError =
  | InvalidRequest
  | Rejected
  | StillPending
  | OutcomeUnknown
  | TransportError
  | RateLimited
  | UnexpectedResponse
  | SignatureMismatch
  | UnknownPayType
  | TransactionNotFound
  | IdempotencyKeyReused

/**
 * @since 0.1.0
 * @category schemas
 */
export const QFPayError = Schema.Union(
  InvalidRequest,
  Rejected,
  StillPending,
  OutcomeUnknown,
  TransportError,
  RateLimited,
  UnexpectedResponse,
  SignatureMismatch,
  UnknownPayType,
  TransactionNotFound,
  IdempotencyKeyReused
)

/**
 * How a refund, reversal, close or reconciliation can fail. What each says about the money:
 * - nothing moved: `InvalidRequest` (nothing was sent), `Rejected` (QFPay's own decision; of
 *   class `retryable` when retries ran out and the enquiry shows nothing: the same intent may be
 *   tried again later), `IdempotencyKeyReused` (the id names someone else's operation),
 *   `RateLimited` / `TransportError` (nothing of this intent reached QFPay in a way that could apply);
 * - may have moved: `StillPending` (accepted, in progress), `OutcomeUnknown` (an attempt may have
 *   been applied and the enquiry could not tell). Both carry the handle to resume with.
 *
 * @since 0.2.0
 * @category errors
 */
export type OperationError =
  | InvalidRequest
  | Rejected
  | StillPending
  | OutcomeUnknown
  | IdempotencyKeyReused
  | TransportError
  | RateLimited
  | UnexpectedResponse
  | SignatureMismatch

/**
 * Whether a value is one of this library's errors.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isQFPayError: (u: unknown) => u is QFPayError = Schema.is(QFPayError)

/**
 * Failures that might be over if tried again later with the same identifiers.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransient = (error: { readonly _tag: string }): boolean => {
  const e = error as QFPayError
  return e._tag === "TransportError" || e._tag === "RateLimited" || e._tag === "UnexpectedResponse" ||
    (e._tag === "Rejected" && e.class === "retryable")
}

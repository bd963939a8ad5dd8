/**
 * @since 0.1.0
 */

/**
 * Amounts: integer cents, 1 … 99 999 999 999.
 *
 * @since 0.1.0
 */
export * as Amount from "./Amount.js"

/**
 * Cancel a not-completed payment by reversal or close, routed by pay type.
 *
 * @since 0.1.0
 */
export * as Cancel from "./Cancel.js"

/**
 * The reversal / close routing table.
 *
 * @since 0.1.0
 */
export * as CancelRouting from "./CancelRouting.js"

/**
 * @since 0.1.0
 */
export * as Currency from "./Currency.js"

/**
 * Where QFPay's sources disagree, and what this project does.
 *
 * @since 0.1.0
 */
export * as Decisions from "./Decisions.js"

/**
 * @since 0.1.0
 */
export * as Endpoint from "./Endpoint.js"

/**
 * Serialisable handles to resume or reconcile an operation.
 *
 * @since 0.1.0
 */
export * as Handle from "./Handle.js"

/**
 * Transaction numbers, order numbers, merchant and device ids.
 *
 * @since 0.1.0
 */
export * as Identifiers from "./Identifiers.js"

/**
 * The library's metrics (operations by kind and outcome, retries, enquiries, operations being
 * polled, time to settle) as `effect/Metric` definitions, with their names and attributes; and
 * the names of its spans.
 *
 * @since 0.3.0
 */
export * as Metrics from "./Metrics.js"

/**
 * Asynchronous notification bodies.
 *
 * @since 0.1.0
 */
export * as Notification from "./Notification.js"

/**
 * What every state of an operation looks like: plain data, observed and resumable.
 *
 * @since 0.2.0
 */
export * as OperationState from "./OperationState.js"

/**
 * A hook that sees every state of an operation, before its first request is sent.
 *
 * @since 0.2.0
 */
export * as OperationObserver from "./OperationObserver.js"

/**
 * The options every program that sends an operation accepts.
 *
 * @since 0.2.0
 */
export * as Options from "./Options.js"

/**
 * @since 0.1.0
 */
export * as OutTradeNoGenerator from "./OutTradeNoGenerator.js"

/**
 * @since 0.1.0
 */
export * as PayType from "./PayType.js"

/**
 * Poll until settled.
 *
 * @since 0.1.0
 */
export * as Poll from "./Poll.js"

/**
 * @since 0.1.0
 */
export * as PollPolicy from "./PollPolicy.js"

/**
 * @since 0.1.0
 */
export * as PollProgress from "./PollProgress.js"

/**
 * How operations in progress are polled: each on its own, or together by one scheduler.
 *
 * @since 0.2.0
 */
export * as PollScheduler from "./PollScheduler.js"

/**
 * The merchant's credentials and policies as a service.
 *
 * @since 0.1.0
 */
export * as QFPayConfig from "./QFPayConfig.js"

/**
 * Typed errors.
 *
 * @since 0.1.0
 */
export * as QFPayError from "./QFPayError.js"

/**
 * Client-side rate limiting under QFPay's documented limits.
 *
 * @since 0.2.0
 */
export * as RateLimit from "./RateLimit.js"

/**
 * Transaction enquiry.
 *
 * @since 0.1.0
 */
export * as Query from "./Query.js"

/**
 * @since 0.1.0
 */
export * as Receipt from "./Receipt.js"

/**
 * Reconcile an operation whose outcome is unknown.
 *
 * @since 0.1.0
 */
export * as Reconcile from "./Reconcile.js"

/**
 * Refund a successful payment.
 *
 * @since 0.1.0
 */
export * as Refund from "./Refund.js"

/**
 * Request schemas.
 *
 * @since 0.1.0
 */
export * as Request from "./Request.js"

/**
 * Response schemas.
 *
 * @since 0.1.0
 */
export * as Response from "./Response.js"

/**
 * Response codes and their classification.
 *
 * @since 0.1.0
 */
export * as ResponseCode from "./ResponseCode.js"

/**
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"

/**
 * Request and notification signatures.
 *
 * @since 0.1.0
 */
export * as Signature from "./Signature.js"

/**
 * One request, validated, signed, sent and classified.
 *
 * @since 0.1.0
 */
export * as Submit from "./Submit.js"

/**
 * The swap point between programs and the outside world.
 *
 * @since 0.1.0
 */
export * as Transport from "./Transport.js"

/**
 * `YYYY-MM-DD hh:mm:ss` transaction times.
 *
 * @since 0.1.0
 */
export * as TxDateTime from "./TxDateTime.js"

/**
 * Undo a payment whatever its state.
 *
 * @since 0.1.0
 */
export * as Undo from "./Undo.js"

export {
  /**
   * @since 0.1.0
   */
  cancel
} from "./Cancel.js"
export {
  /**
   * @since 0.1.0
   */
  close
} from "./Cancel.js"
export {
  /**
   * @since 0.1.0
   */
  reverse
} from "./Cancel.js"
export {
  /**
   * @since 0.1.0
   */
  pollUntilSettled
} from "./Poll.js"
export {
  /**
   * @since 0.2.0
   */
  IdempotencyKeyReused,
  /**
   * @since 0.1.0
   */
  InvalidRequest,
  /**
   * @since 0.1.0
   */
  OutcomeUnknown,
  /**
   * @since 0.1.0
   */
  RateLimited,
  /**
   * @since 0.1.0
   */
  Rejected,
  /**
   * @since 0.1.0
   */
  SignatureMismatch,
  /**
   * @since 0.1.0
   */
  StillPending,
  /**
   * @since 0.1.0
   */
  TransactionNotFound,
  /**
   * @since 0.1.0
   */
  TransportError,
  /**
   * @since 0.1.0
   */
  UnexpectedResponse,
  /**
   * @since 0.1.0
   */
  UnknownPayType
} from "./QFPayError.js"
export {
  /**
   * @since 0.1.0
   */
  query
} from "./Query.js"
export {
  /**
   * @since 0.1.0
   */
  reconcile
} from "./Reconcile.js"
export {
  /**
   * @since 0.1.0
   */
  refund
} from "./Refund.js"
export {
  /**
   * @since 0.1.0
   */
  submit
} from "./Submit.js"
export {
  /**
   * @since 0.1.0
   */
  undo
} from "./Undo.js"

/**
 * What a refund, reversal or close knows about itself at each step: plain, serialisable data.
 * The engine's decisions are a pure function of this state and of what just happened (an
 * answer, a failure, an enquiry's rows, the time); an `OperationObserver` sees every new state,
 * which is how a caller keeps the handle before the first request goes out, and how a durable
 * journal records progress.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { Handle } from "./Handle.js"
import { QFPayError } from "./QFPayError.js"

/**
 * - `submit`: sending the operation (first attempt, retries, resubmission);
 * - `reconcile`: looking the operation up with the enquiry before anything is sent again;
 * - `confirm`: the one enquiry that checks a `0000` reversal or close;
 * - `poll`: asking the enquiry until an operation in progress settles.
 *
 * @since 0.2.0
 * @category models
 */
export const Phase = Schema.Literal("submit", "reconcile", "confirm", "poll")

/**
 * @since 0.2.0
 * @category models
 */
export type Phase = typeof Phase.Type

/**
 * Why the operation is being looked up:
 * - `resume`: `reconcile` after an unknown outcome (an earlier run may have applied it);
 * - `ambiguous`: an answer was lost, unreadable, or did not match the request;
 * - `duplicate`: QFPay said duplicate / already cancelled / already closed;
 * - `rejected`: QFPay refused a resubmission after an attempt that may have been applied;
 * - `exhausted`: retries ran out after an attempt that may have been applied;
 * - `earlier-run`: about to report "nothing moved" for an id the caller gave (so an earlier
 *   run may have sent it): is an operation under it already there?
 *
 * @since 0.2.0
 * @category models
 */
export const LookupReason = Schema.Literal("resume", "ambiguous", "duplicate", "rejected", "exhausted", "earlier-run")

/**
 * @since 0.2.0
 * @category models
 */
export type LookupReason = typeof LookupReason.Type

/**
 * The fields of the submit answer a receipt reports.
 *
 * @since 0.2.0
 * @category models
 */
export const AnswerFields = Schema.Struct({
  syssn: Schema.optional(Schema.String),
  txcurrcd: Schema.optional(Schema.String),
  txdtm: Schema.optional(Schema.String),
  sysdtm: Schema.optional(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface AnswerFields extends Schema.Schema.Type<typeof AnswerFields> {}

/**
 * @since 0.2.0
 * @category schemas
 */
export const OperationState = Schema.Struct({
  /** The operation, with its identifiers and (once given) its new transaction number. */
  handle: Handle,
  phase: Phase,
  /** Submit attempts this run made. */
  attempts: Schema.Number,
  /** Enquiries this run made. */
  enquiries: Schema.Number,
  /** Enquiries in the current round of polling. */
  polls: Schema.Number,
  /** An attempt of this intent, by this run or an earlier one, may have been applied. */
  mayHaveApplied: Schema.Boolean,
  /** An attempt of this run may have been applied, or was accepted. */
  appliedByThisRun: Schema.Boolean,
  /**
   * The operation's id came from the caller (a refund's own `out_trade_no`; the payment a
   * reversal or close names), so an earlier run may already have sent it.
   */
  callerId: Schema.Boolean,
  /** Why an answer could not be trusted (lost, unreadable, not matching the request). */
  lostAnswer: Schema.optional(Schema.String),
  lookup: Schema.optional(LookupReason),
  /** The last code that matters: a pending code while polling, the code that led to a lookup. */
  lastCode: Schema.optional(Schema.String),
  /** How the last enquiry failed, while it matters. */
  enquiryFailure: Schema.optional(Schema.String),
  /** What to report if retrying ends here without news (a retryable rejection, a 429, …). */
  failure: Schema.optional(QFPayError),
  /** When the current round of polling started, and when it must end (epoch milliseconds). */
  pollStartedAt: Schema.optional(Schema.Number),
  deadlineAt: Schema.optional(Schema.Number),
  /** The `0000` answer of a reversal or close, kept while the enquiry confirms it. */
  answer: Schema.optional(AnswerFields)
}).annotations({ identifier: "OperationState" })

/**
 * @since 0.2.0
 * @category models
 */
export interface OperationState extends Schema.Schema.Type<typeof OperationState> {}

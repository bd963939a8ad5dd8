/**
 * What QFPay answers (PROTOCOL.md §4). Decoding is lenient about the wire (numbers as strings
 * or numbers, `respcd` as `"0000"` or `0`, blank values as absent, unknown fields ignored) and
 * precise about the result (an `Amount`, a `TxDateTime`, a four-character `respcd`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Answer from "./internal/answer.js"

/**
 * The answer to a refund, reversal or close. `syssn` is the **new** transaction number of the
 * refund / reversal; `orig_syssn` is the original payment.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OperationResponse = Schema.Struct(Answer.lenient(Answer.operationFields)).annotations({
  identifier: "OperationResponse"
})

/**
 * @since 0.1.0
 * @category models
 */
export type OperationResponse = typeof OperationResponse.Type

/**
 * The fields of an answer that a receipt needs. The programs decode only these (half the cost
 * of the whole answer); `Submit.submit` returns the whole `OperationResponse`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OperationSummary = OperationResponse.pipe(Schema.pick(...Answer.summaryKeys)).annotations({
  identifier: "OperationSummary"
})

/**
 * @since 0.1.0
 * @category models
 */
export type OperationSummary = typeof OperationSummary.Type

/**
 * The smallest part of any answer: its code and messages. Decoded first, so that a rejection
 * is reported as a rejection even when its other fields are odd.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Envelope = Schema.Struct(Answer.lenient(Answer.envelopeFields)).annotations({ identifier: "Envelope" })

/**
 * @since 0.1.0
 * @category models
 */
export type Envelope = typeof Envelope.Type

/**
 * The `cancel` flag of an enquiry row.
 *
 * @since 0.1.0
 * @category cancel
 */
export const Cancel = {
  /** Not cancelled. */
  none: 0,
  /** CPM: reversed or refunded. */
  cpmReversed: 1,
  /** MPM: cancelled. */
  mpmCancelled: 2,
  /** Refunded in full. */
  refunded: 3,
  /** Pre-authorisation finished. */
  preAuthFinished: 4,
  /** Partially refunded. */
  partiallyRefunded: 5
} as const

/**
 * @since 0.1.0
 * @category cancel
 */
export const describeCancel = (cancel: number): string => {
  switch (cancel) {
    case 0:
      return "not cancelled"
    case 1:
      return "reversed or refunded (CPM)"
    case 2:
      return "cancelled (MPM)"
    case 3:
      return "refunded"
    case 4:
      return "pre-authorisation finished"
    case 5:
      return "partially refunded"
    default:
      return `cancel state ${cancel}`
  }
}

/**
 * One transaction in an enquiry answer: a payment, or a refund (`origssn` names its payment).
 *
 * @since 0.1.0
 * @category schemas
 */
export const QueryRow = Schema.Struct(Answer.lenient(Answer.queryRowFields)).annotations({ identifier: "QueryRow" })

/**
 * @since 0.1.0
 * @category models
 */
export type QueryRow = typeof QueryRow.Type

/**
 * The answer to an enquiry.
 *
 * @since 0.1.0
 * @category schemas
 */
export const QueryResponse = Schema.Struct({
  ...Answer.lenient(Answer.queryFields),
  data: Answer.rows(QueryRow)
}).annotations({ identifier: "QueryResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type QueryResponse = typeof QueryResponse.Type

/**
 * Whether an enquiry row is a refund (rather than a payment).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRefundRow = (row: QueryRow): boolean =>
  row.order_type !== undefined ? row.order_type === "refund" : row.origssn !== undefined

/**
 * Whether an enquiry row is a payment.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isPaymentRow = (row: QueryRow): boolean =>
  row.order_type !== undefined ? row.order_type === "payment" : row.origssn === undefined

/**
 * One page of an enquiry's answer.
 *
 * @since 0.2.0
 * @category models
 */
export interface QueryPage {
  readonly rows: ReadonlyArray<QueryRow>
  readonly page: number
  readonly page_size: number
}

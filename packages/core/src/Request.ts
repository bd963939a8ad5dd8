/**
 * The requests this library sends (PROTOCOL.md §3). Each schema's `Type` is the domain value
 * (branded amounts, ids, times) and its `Encoded` is exactly the wire parameters, all strings:
 * `Schema.encode` gives what is signed and sent, `Schema.decodeUnknown` is what a server
 * (the simulator) does with a form body.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Amount, AmountFromString } from "./Amount.js"
import { Currency } from "./Currency.js"
import { CancelSyssn, MchId, OutTradeNo, Syssn, Udid } from "./Identifiers.js"
import { commaList, intFromString } from "./internal/wire.js"
import { PayType } from "./PayType.js"
import * as TxDateTime from "./TxDateTime.js"

/**
 * Refund a successful payment, fully or partially. `out_trade_no` is the refund's own new,
 * unique id (its idempotency key); `txdtm` is the refund request time.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RefundRequest = Schema.Struct({
  syssn: Syssn,
  out_trade_no: OutTradeNo,
  txamt: AmountFromString,
  txdtm: TxDateTime.TxDateTime,
  mchid: Schema.optional(MchId),
  udid: Schema.optional(Udid)
}).annotations({ identifier: "RefundRequest" })

/**
 * @since 0.1.0
 * @category models
 */
export type RefundRequest = typeof RefundRequest.Type

const cancelFields = {
  syssn: Schema.optional(CancelSyssn),
  out_trade_no: Schema.optional(OutTradeNo),
  txamt: AmountFromString,
  txdtm: TxDateTime.TxDateTime,
  mchid: Schema.optional(MchId),
  udid: Schema.optional(Udid)
}

/**
 * The one check every request that names a payment by `syssn` or `out_trade_no` makes: at
 * least one of the two.
 *
 * @since 0.2.0
 * @category filters
 */
export const namesPayment = <
  A extends { readonly syssn?: string | undefined; readonly out_trade_no?: string | undefined }
>(
  a: A
) =>
  a.syssn !== undefined || a.out_trade_no !== undefined || {
    path: ["syssn"],
    message: "give the payment's syssn or out_trade_no (at least one)"
  }

/**
 * Reverse a payment that has not completed. Names the original payment by `syssn` or
 * `out_trade_no` (at least one); `txamt` and `txdtm` are the original payment's.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReversalRequest = Schema.Struct(cancelFields).pipe(
  Schema.filter(namesPayment),
  Schema.annotations({ identifier: "ReversalRequest" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type ReversalRequest = typeof ReversalRequest.Type

/**
 * Close a payment that has not completed, for the wallets that close instead of reversing.
 * Same parameters as a reversal; sent as a GET query string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloseRequest = Schema.Struct(cancelFields).pipe(
  Schema.filter(namesPayment),
  Schema.annotations({ identifier: "CloseRequest" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type CloseRequest = typeof CloseRequest.Type

/**
 * Transaction enquiry. Lists are comma-separated on the wire. `start_time`/`end_time` are
 * ignored by QFPay when `syssn` is given and must stay inside one calendar month.
 *
 * @since 0.1.0
 * @category schemas
 */
export const QueryRequest = Schema.Struct({
  syssn: Schema.optional(commaList(Syssn, "syssn")),
  out_trade_no: Schema.optional(commaList(OutTradeNo, "out_trade_no")),
  pay_type: Schema.optional(commaList(PayType, "pay_type")),
  respcd: Schema.optional(
    Schema.String.pipe(
      Schema.pattern(/^\d{4}$/),
      Schema.annotations({ message: () => ({ message: "expected a four-digit response code", override: true }) })
    )
  ),
  start_time: Schema.optional(TxDateTime.TxDateTime),
  end_time: Schema.optional(TxDateTime.TxDateTime),
  page: Schema.optional(intFromString(1, 1_000_000, "a page number")),
  page_size: Schema.optional(intFromString(1, 100, "a page size")),
  mchid: Schema.optional(MchId)
}).pipe(
  Schema.filter((q) => {
    if (q.start_time === undefined || q.end_time === undefined) return true
    if (TxDateTime.compare(q.start_time, q.end_time) > 0) {
      return { path: ["end_time"], message: "end_time must not be before start_time" }
    }
    return TxDateTime.sameMonth(q.start_time, q.end_time) ||
      { path: ["end_time"], message: "start_time and end_time must fall in the same calendar month" }
  }),
  Schema.annotations({ identifier: "QueryRequest" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type QueryRequest = typeof QueryRequest.Type

/**
 * Create a payment. Only the test double serves it: the client's scope is undoing payments.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PaymentRequest = Schema.Struct({
  txamt: AmountFromString,
  txcurrcd: Currency,
  pay_type: PayType,
  out_trade_no: OutTradeNo,
  txdtm: TxDateTime.TxDateTime,
  auth_code: Schema.optional(Schema.String.pipe(Schema.maxLength(128))),
  goods_name: Schema.optional(Schema.String.pipe(Schema.maxLength(64))),
  expired_time: Schema.optional(Schema.String),
  notify_url: Schema.optional(Schema.String),
  return_url: Schema.optional(Schema.String),
  mchid: Schema.optional(MchId),
  udid: Schema.optional(Udid)
}).annotations({ identifier: "PaymentRequest" })

/**
 * @since 0.1.0
 * @category models
 */
export type PaymentRequest = typeof PaymentRequest.Type

/**
 * What a caller gives to refund: the payment (`syssn`), the amount in cents, and optionally
 * the refund's own `out_trade_no` (made for you when absent: pass your own to keep one refund
 * intent idempotent across process restarts), `udid`, and the request time `txdtm` (now).
 *
 * @since 0.2.0
 * @category inputs
 */
export const RefundInput = Schema.Struct({
  syssn: Syssn,
  txamt: Amount,
  out_trade_no: Schema.optional(OutTradeNo),
  txdtm: Schema.optional(TxDateTime.TxDateTime),
  udid: Schema.optional(Udid)
}).annotations({ identifier: "RefundInput" })

/**
 * @since 0.2.0
 * @category inputs
 */
export type RefundInput = typeof RefundInput.Encoded

/**
 * What a caller gives to reverse or close: the original payment's `syssn` or `out_trade_no`
 * (at least one), its amount and its transaction time.
 *
 * @since 0.2.0
 * @category inputs
 */
export const CancelInput = Schema.Struct({
  syssn: Schema.optional(CancelSyssn),
  out_trade_no: Schema.optional(OutTradeNo),
  txamt: Amount,
  txdtm: TxDateTime.TxDateTime,
  udid: Schema.optional(Udid)
}).pipe(Schema.filter(namesPayment), Schema.annotations({ identifier: "CancelInput" }))

/**
 * @since 0.2.0
 * @category inputs
 */
export type CancelInput = typeof CancelInput.Encoded

/**
 * An enquiry: lists may be given as arrays or as one value.
 *
 * @since 0.2.0
 * @category inputs
 */
export interface QueryInput {
  readonly syssn?: string | ReadonlyArray<string> | undefined
  readonly out_trade_no?: string | ReadonlyArray<string> | undefined
  readonly pay_type?: string | ReadonlyArray<string> | undefined
  readonly respcd?: string | undefined
  readonly start_time?: string | undefined
  readonly end_time?: string | undefined
  readonly page?: number | undefined
  readonly page_size?: number | undefined
}

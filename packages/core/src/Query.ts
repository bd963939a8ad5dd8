/**
 * Transaction enquiry (POST `/trade/v1/query`).
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Client from "./internal/client.js"
import * as Prepare from "./internal/request.js"
import { retryTransient } from "./internal/schedule.js"
import { withSpan } from "./internal/span.js"
import { QFPayConfig } from "./QFPayConfig.js"
import { type InvalidRequest, type Rejected, TransactionNotFound } from "./QFPayError.js"
import type * as Request from "./Request.js"
import { isPaymentRow, isRefundRow, type QueryPage, type QueryRow } from "./Response.js"
import * as ResponseCode from "./ResponseCode.js"
import type { Transport } from "./Transport.js"
import * as TxDateTime from "./TxDateTime.js"

/**
 * @since 0.1.0
 * @category models
 */
export type QueryInput = Request.QueryInput

/**
 * @since 0.1.0
 * @category models
 */
export type QueryResult = QueryPage

/**
 * @since 0.1.0
 * @category models
 */
export type QueryError = Client.SendError | InvalidRequest | Rejected

/**
 * One enquiry, no retries. Exposed for programs that count their own attempts.
 *
 * @example
 * ```ts
 * import { Query } from "@effect-qfpay/core"
 *
 * // One request, no retry: a caller with its own retry policy.
 * const page = Query.queryOnce({ syssn: "20191227000200020061752831" })
 * ```
 *
 * @since 0.1.0
 * @category enquiry
 */
export const queryOnce = (input: QueryInput): Effect.Effect<QueryResult, QueryError, QFPayConfig | Transport> =>
  Effect.flatMap(Prepare.query(input), Client.queryPrepared)

/**
 * Asks QFPay about transactions by `syssn`, `out_trade_no` (each one value or a list), pay
 * type, code or time range, one page at a time. Retries transient failures (an enquiry
 * changes nothing). An unknown id is an empty answer.
 *
 * @example
 * ```ts
 * import { query } from "@effect-qfpay/core"
 *
 * const page = query({ out_trade_no: ["ORDER-1", "ORDER-2"] })
 * ```
 *
 * @since 0.1.0
 * @category enquiry
 */
export const query = (input: QueryInput): Effect.Effect<QueryResult, QueryError, QFPayConfig | Transport> =>
  Effect.flatMap(Prepare.query(input), (prepared) => retryTransient(Client.queryPrepared(prepared))).pipe(
    withSpan("QFPay.query")
  )

/**
 * Every row of every page, fetching pages as they are consumed (100 rows a page unless
 * `page_size` says otherwise).
 *
 * @example
 * ```ts
 * import { Query } from "@effect-qfpay/core"
 * import { Stream } from "effect"
 *
 * // Every refund of the day, page after page.
 * const refunds = Query.stream({ start_time: "2026-11-22 00:00:00", end_time: "2026-11-22 23:59:59" }).pipe(
 *   Stream.filter((row) => row.origssn !== undefined)
 * )
 * ```
 *
 * @since 0.1.0
 * @category enquiry
 */
export const stream = (
  input: Omit<QueryInput, "page">
): Stream.Stream<QueryRow, QueryError, QFPayConfig | Transport> => {
  const pageSize = input.page_size ?? 100
  return Stream.paginateChunkEffect(
    1,
    (page) =>
      Effect.map(query({ ...input, page, page_size: pageSize }), (result) =>
        [
          Chunk.fromIterable(result.rows),
          result.rows.length < pageSize ? Option.none() : Option.some(page + 1)
        ] as const)
  )
}

/**
 * The payment named by `syssn` or `out_trade_no`, or `TransactionNotFound`.
 *
 * @example
 * ```ts
 * import { Query } from "@effect-qfpay/core"
 * import { Effect } from "effect"
 *
 * const refundable = Query.findPayment({ out_trade_no: "ORDER-1" }).pipe(
 *   Effect.catchTag("TransactionNotFound", () => Effect.succeed(undefined))
 * )
 * ```
 *
 * @since 0.1.0
 * @category enquiry
 */
export const findPayment = (payment: {
  readonly syssn?: string | undefined
  readonly out_trade_no?: string | undefined
}): Effect.Effect<QueryRow, QueryError | TransactionNotFound, QFPayConfig | Transport> =>
  Effect.flatMap(
    query(payment.syssn !== undefined ? { syssn: payment.syssn } : { out_trade_no: payment.out_trade_no }),
    (result) => {
      const row = result.rows.find((r) =>
        isPaymentRow(r) &&
        (payment.syssn !== undefined ? r.syssn === payment.syssn : r.out_trade_no === payment.out_trade_no)
      )
      return row === undefined
        ? Effect.fail(
          new TransactionNotFound({
            ...(payment.syssn === undefined ? {} : { syssn: payment.syssn }),
            ...(payment.out_trade_no === undefined ? {} : { out_trade_no: payment.out_trade_no })
          })
        )
        : Effect.succeed(row)
    }
  )

// The enquiry's time range must stay inside one calendar month: one month at a time.
const months = (from: TxDateTime.TxDateTime, to: TxDateTime.TxDateTime): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  let year = Number(from.slice(0, 4))
  let month = Number(from.slice(5, 7))
  const lastYear = Number(to.slice(0, 4))
  const lastMonth = Number(to.slice(5, 7))
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
    const m = String(month).padStart(2, "0")
    out.push([`${year}-${m}-01 00:00:00`, `${year}-${m}-${String(days).padStart(2, "0")} 23:59:59`])
    month++
    if (month > 12) {
      month = 1
      year++
    }
  }
  return out
}

/**
 * The refunds of a payment, settled or in progress, as the enquiry lists them: the enquiry
 * has no "refunds of" filter, so this lists the transactions of each calendar month from the
 * payment's to now (the enquiry's range must stay inside one month) and keeps the refund rows
 * whose `origssn` is the payment. A payment never partly refunded needs none of this.
 *
 * @since 0.2.0
 * @category enquiry
 */
export const refundsOf = (
  payment: QueryRow
): Effect.Effect<ReadonlyArray<QueryRow>, QueryError, QFPayConfig | Transport> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const now = TxDateTime.fromDateTime(yield* DateTime.now, config.timeZone)
    const from = payment.txdtm ?? payment.sysdtm ?? now
    const found: Array<QueryRow> = []
    for (const [start_time, end_time] of months(from, now)) {
      const rows = yield* Stream.runCollect(stream({ start_time, end_time, page_size: 100 }))
      for (const row of rows) {
        if (isRefundRow(row) && row.origssn === payment.syssn) found.push(row)
      }
    }
    return found
  })

/**
 * How much of a payment is refunded or being refunded (settled refunds and those in
 * progress), from {@link refundsOf}.
 *
 * @since 0.2.0
 * @category enquiry
 */
export const refundedAmount = (payment: QueryRow): Effect.Effect<number, QueryError, QFPayConfig | Transport> =>
  Effect.map(refundsOf(payment), (rows) =>
    rows.reduce((sum, row) => {
      const cls = ResponseCode.classify(row.respcd)
      return cls === "success" || cls === "pending" ? sum + (row.txamt ?? 0) : sum
    }, 0))

/**
 * Transaction enquiry (POST `/trade/v1/query`).
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Endpoint from "./Endpoint.js"
import type { SendError } from "./internal/engine.js"
import { retryTransient } from "./internal/retry.js"
import { traced } from "./internal/traced.js"
import { QFPayConfig } from "./QFPayConfig.js"
import { type InvalidRequest, Rejected, TransactionNotFound } from "./QFPayError.js"
import * as Request from "./Request.js"
import { isPaymentRow, type QueryRow } from "./Response.js"
import * as Submit from "./Submit.js"
import type { Transport } from "./Transport.js"

/**
 * @since 0.1.0
 * @category models
 */
export type QueryInput = Submit.QueryInput

/**
 * @since 0.1.0
 * @category models
 */
export interface QueryResult {
  readonly rows: ReadonlyArray<QueryRow>
  readonly page: number
  readonly page_size: number
}

/**
 * @since 0.1.0
 * @category models
 */
export type QueryError = SendError | InvalidRequest | Rejected

// "Does not exist" from the enquiry itself is an empty answer, not a failure of the enquiry.
const notFoundCodes = new Set(["1268", "1136"])

/**
 * One enquiry, no retries. Exposed for programs that count their own attempts.
 *
 * @since 0.1.0
 * @category enquiry
 */
export const queryOnce = (input: QueryInput): Effect.Effect<QueryResult, QueryError, QFPayConfig | Transport> =>
  Effect.flatMap(Submit.prepareQuery(input), sendPrepared)

/**
 * One enquiry from an already validated request (ids taken from a handle, say).
 *
 * @since 0.1.0
 * @category enquiry
 */
export const queryTyped = (
  request: Request.QueryRequest
): Effect.Effect<QueryResult, QueryError, QFPayConfig | Transport> =>
  Effect.flatMap(
    QFPayConfig,
    (config) =>
      Effect.flatMap(
        Submit.encodeRequest(
          Endpoint.query,
          Request.QueryRequest,
          Option.isSome(config.mchid) ? { ...request, mchid: config.mchid.value } : request
        ),
        sendPrepared
      )
  )

const sendPrepared = (
  prepared: Submit.Prepared<Request.QueryRequest>
): Effect.Effect<QueryResult, QueryError, QFPayConfig | Transport> =>
  Effect.flatMap(Submit.sendQuery(prepared), (answer) => {
    const page = answer.response?.page ?? prepared.request.page ?? 1
    const page_size = answer.response?.page_size ?? prepared.request.page_size ?? 10
    if (answer.code === "0000") return Effect.succeed({ rows: answer.response?.data ?? [], page, page_size })
    if (notFoundCodes.has(answer.code)) return Effect.succeed({ rows: [], page, page_size })
    return Effect.fail(Rejected.fromCode({
      endpoint: "query",
      code: answer.code,
      resperr: answer.envelope.resperr,
      respmsg: answer.envelope.respmsg
    }))
  })

/**
 * Asks QFPay about transactions by `syssn`, `out_trade_no` (each one value or a list), pay
 * type, code or time range, one page at a time. Retries transient failures (an enquiry
 * changes nothing). An unknown id is an empty answer.
 *
 * @since 0.1.0
 * @category enquiry
 */
export const query: (input: QueryInput) => Effect.Effect<QueryResult, QueryError, QFPayConfig | Transport> = traced(
  "QFPay.query",
  (input: QueryInput) => retryTransient(queryOnce(input))
)

/**
 * Every row of every page, fetching pages as they are consumed (100 rows a page unless
 * `page_size` says otherwise).
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

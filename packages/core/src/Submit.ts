/**
 * One request, validated, signed, sent and classified, with nothing else: no retries, no
 * polling, no reconciliation (`refund` and friends do those). For tools and tests that want to
 * see QFPay's raw answer.
 *
 * Validation happens before anything is sent: a bad field fails with `InvalidRequest` naming
 * it, and the transport is never called.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Client from "./internal/client.js"
import * as Prepare from "./internal/request.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import type { InvalidRequest } from "./QFPayError.js"
import type * as Request from "./Request.js"
import * as Response from "./Response.js"
import * as ResponseCode from "./ResponseCode.js"
import type { Transport } from "./Transport.js"

/**
 * @since 0.1.0
 * @category inputs
 */
export type RefundInput = Request.RefundInput

/**
 * @since 0.1.0
 * @category inputs
 */
export type CancelInput = Request.CancelInput

/**
 * @since 0.1.0
 * @category inputs
 */
export type QueryInput = Request.QueryInput

/**
 * A prepared request: the validated domain value and the exact wire parameters.
 *
 * @since 0.1.0
 * @category models
 */
export type Prepared<A> = Prepare.Prepared<A>

/**
 * Failures to get an answer from QFPay.
 *
 * @since 0.2.0
 * @category models
 */
export type SendError = Client.SendError

/**
 * Validates a refund and completes it: a new `out_trade_no` when none was given, `txdtm`
 * from `Clock` in the configured zone, `mchid` from the configuration.
 *
 * @since 0.1.0
 * @category prepare
 */
export const prepareRefund: (
  input: RefundInput
) => Effect.Effect<Prepared<Request.RefundRequest>, InvalidRequest, QFPayConfig> = Prepare.refund

/**
 * Validates a reversal or close of a payment that has not completed.
 *
 * @since 0.1.0
 * @category prepare
 */
export const prepareCancel: (
  operation: "reversal" | "close",
  input: CancelInput
) => Effect.Effect<Prepared<Request.ReversalRequest>, InvalidRequest, QFPayConfig> = Prepare.cancel

/**
 * Validates an enquiry.
 *
 * @since 0.1.0
 * @category prepare
 */
export const prepareQuery: (
  input: QueryInput
) => Effect.Effect<Prepared<Request.QueryRequest>, InvalidRequest, QFPayConfig> = Prepare.query

/**
 * One answer, decoded and classified. `response` is the fully decoded answer; it is always
 * there for `success` and `pending`, and may be absent for a rejection whose other fields
 * are blank or odd (the `envelope` still carries its code and messages).
 *
 * @since 0.1.0
 * @category models
 */
export interface Submitted<A, R> {
  readonly prepared: Prepared<A>
  readonly envelope: Response.Envelope
  readonly response: R | undefined
  readonly code: string
  readonly class: ResponseCode.Class
}

const decodeOperation = Schema.decodeUnknownEither(Response.OperationResponse)
const decodeQuery = Schema.decodeUnknownEither(Response.QueryResponse)

const once = <A, R>(prepared: Prepared<A>, decode: (u: unknown) => Either.Either<R, unknown>) =>
  Effect.map(Client.submitDecoded(prepared, decode), ({ response, sent }): Submitted<A, R> => ({
    prepared,
    envelope: sent.envelope,
    response,
    code: sent.envelope.respcd,
    class: ResponseCode.classify(sent.envelope.respcd)
  }))

/**
 * Sends one request once: validate, complete (`txdtm` now for a refund), sign, send, decode,
 * classify. Whatever QFPay answered is returned, classified; only failures to get an answer
 * fail.
 *
 * @example
 * ```ts
 * import { submit } from "@effect-qfpay/core"
 * import { Effect } from "effect"
 *
 * const code = Effect.map(submit("query", { syssn: "20191227000200020061752831" }), (answer) => answer.code)
 * ```
 *
 * @since 0.1.0
 * @category submit
 */
export const submit: {
  (operation: "refund", input: RefundInput): Effect.Effect<
    Submitted<Request.RefundRequest, Response.OperationResponse>,
    InvalidRequest | SendError,
    QFPayConfig | Transport
  >
  (operation: "reversal" | "close", input: CancelInput): Effect.Effect<
    Submitted<Request.ReversalRequest, Response.OperationResponse>,
    InvalidRequest | SendError,
    QFPayConfig | Transport
  >
  (operation: "query", input: QueryInput): Effect.Effect<
    Submitted<Request.QueryRequest, Response.QueryResponse>,
    InvalidRequest | SendError,
    QFPayConfig | Transport
  >
} = ((operation: "refund" | "reversal" | "close" | "query", input: any) => {
  switch (operation) {
    case "refund":
      return Effect.flatMap(Prepare.refund(input), (p) => once(p, decodeOperation))
    case "reversal":
    case "close":
      return Effect.flatMap(Prepare.cancel(operation, input), (p) => once(p, decodeOperation))
    case "query":
      return Effect.flatMap(Prepare.query(input), (p) => once(p, decodeQuery))
  }
}) as any

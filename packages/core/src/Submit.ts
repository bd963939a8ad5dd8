/**
 * One request, validated, signed, sent and classified: the building block of the programs.
 * `submit` does not retry, poll or reconcile; `Refund.refund` and friends do.
 *
 * Validation happens before anything is sent: a bad field fails with `InvalidRequest`
 * naming it, and the transport is never called.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Amount } from "./Amount.js"
import * as Endpoint from "./Endpoint.js"
import { CancelSyssn, OutTradeNo, Syssn, Udid } from "./Identifiers.js"
import * as Engine from "./internal/engine.js"
import { issuesOf } from "./internal/issues.js"
import { OutTradeNoGenerator } from "./OutTradeNoGenerator.js"
import { QFPayConfig } from "./QFPayConfig.js"
import { InvalidRequest, UnexpectedResponse } from "./QFPayError.js"
import * as Request from "./Request.js"
import * as Response from "./Response.js"
import * as ResponseCode from "./ResponseCode.js"
import type { Transport } from "./Transport.js"
import * as TxDateTime from "./TxDateTime.js"

/**
 * What a caller gives to refund: the payment (`syssn`), the amount in cents, and optionally
 * the refund's own `out_trade_no` (made for you when absent: pass your own to keep one refund
 * intent idempotent across process restarts), `udid`, and the request time `txdtm` (now).
 *
 * @since 0.1.0
 * @category inputs
 */
export const RefundInput = Schema.Struct({
  syssn: Syssn,
  txamt: Amount,
  out_trade_no: Schema.optional(OutTradeNo),
  txdtm: Schema.optional(TxDateTime.TxDateTime),
  udid: Schema.optional(Udid)
})

/**
 * @since 0.1.0
 * @category inputs
 */
export type RefundInput = typeof RefundInput.Encoded

/**
 * What a caller gives to reverse or close: the original payment's `syssn` or `out_trade_no`
 * (at least one), its amount and its transaction time.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CancelInput = Schema.Struct({
  syssn: Schema.optional(CancelSyssn),
  out_trade_no: Schema.optional(OutTradeNo),
  txamt: Amount,
  txdtm: TxDateTime.TxDateTime,
  udid: Schema.optional(Udid)
}).pipe(
  Schema.filter((a) =>
    a.syssn !== undefined || a.out_trade_no !== undefined || {
      path: ["syssn"],
      message: "give the original payment's syssn or out_trade_no (at least one)"
    }
  )
)

/**
 * @since 0.1.0
 * @category inputs
 */
export type CancelInput = typeof CancelInput.Encoded

/**
 * An enquiry: lists may be given as arrays or as one value.
 *
 * @since 0.1.0
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

/**
 * A prepared request: the validated domain value and the exact wire parameters.
 *
 * @since 0.1.0
 * @category models
 */
export interface Prepared<A> {
  readonly endpoint: Endpoint.Endpoint
  readonly request: A
  readonly params: Readonly<Record<string, string>>
}

const invalid = (operation: string) => (e: { readonly _tag: string } & Parameters<typeof issuesOf>[0]) =>
  new InvalidRequest({ operation, issues: issuesOf(e) })

// Values as a form body carries them; anything else is left as is for the schema to refuse.
const toWire = (value: unknown): unknown =>
  typeof value === "number" || typeof value === "bigint" || typeof value === "boolean"
    ? String(value)
    : Array.isArray(value)
    ? value.map(String).join(",")
    : value

const compact = (input: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(input)) {
    const value = input[key]
    if (value !== undefined) out[key] = toWire(value)
  }
  return out
}

const prepareWire = <A>(
  endpoint: Endpoint.Endpoint,
  schema: Schema.Schema<A, any>,
  wire: Record<string, unknown>
): Effect.Effect<Prepared<A>, InvalidRequest> => {
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(wire)
  if (Either.isLeft(decoded)) return Effect.fail(invalid(endpoint.operation)(decoded.left))
  return encodeRequest(endpoint, schema, decoded.right)
}

/**
 * Encodes a request whose fields are already domain values. Encoding checks every refinement
 * again, so nothing malformed reaches the wire even from code that built the value by hand.
 *
 * @since 0.1.0
 * @category prepare
 */
export const encodeRequest = <A>(
  endpoint: Endpoint.Endpoint,
  schema: Schema.Schema<A, any>,
  request: A
): Effect.Effect<Prepared<A>, InvalidRequest> => {
  const encoded = Schema.encodeEither(schema, { errors: "all" })(request)
  if (Either.isLeft(encoded)) return Effect.fail(invalid(endpoint.operation)(encoded.left))
  return Effect.succeed({ endpoint, request, params: compact(encoded.right) as Record<string, string> })
}

const decodeInput = <A, I>(operation: string, schema: Schema.Schema<A, I>, input: unknown) =>
  Either.mapLeft(
    Schema.decodeUnknownEither(schema, { errors: "all" })(input ?? {}),
    invalid(operation)
  )

const withoutUndefined = <A extends object>(a: A): A => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(a)) {
    if (value !== undefined) out[key] = value
  }
  return out as A
}

/**
 * Validates a refund and completes it: a new `out_trade_no` when none was given, `txdtm`
 * from `Clock` in the configured zone, `mchid` from the configuration.
 *
 * @since 0.1.0
 * @category prepare
 */
export const prepareRefund = (
  input: RefundInput
): Effect.Effect<Prepared<Request.RefundRequest>, InvalidRequest, QFPayConfig> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const valid = yield* decodeInput("refund", RefundInput, input)
    const out_trade_no = valid.out_trade_no ?? (yield* (yield* OutTradeNoGenerator).next)
    const txdtm = valid.txdtm ?? TxDateTime.fromDateTime(yield* DateTime.now, config.timeZone)
    // Every field is a validated domain value (or ours: the id, the time, the mchid), so the
    // wire form is its text; no second schema pass (this runs once per refund).
    const request: Request.RefundRequest = withoutUndefined({
      syssn: valid.syssn,
      out_trade_no,
      txamt: valid.txamt,
      txdtm,
      mchid: Option.getOrUndefined(config.mchid),
      udid: valid.udid
    })
    return { endpoint: Endpoint.refund, request, params: compact(request) as Record<string, string> }
  })

/**
 * Validates a reversal or close of a payment that has not completed.
 *
 * @since 0.1.0
 * @category prepare
 */
export const prepareCancel = (
  operation: "reversal" | "close",
  input: CancelInput
): Effect.Effect<Prepared<Request.ReversalRequest>, InvalidRequest, QFPayConfig> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const valid = yield* decodeInput(operation, CancelInput, input)
    return yield* encodeRequest(
      Endpoint.byOperation(operation),
      operation === "reversal" ? Request.ReversalRequest : Request.CloseRequest,
      withoutUndefined({ ...valid, mchid: Option.getOrUndefined(config.mchid) })
    )
  })

/**
 * Validates an enquiry.
 *
 * @since 0.1.0
 * @category prepare
 */
export const prepareQuery = (
  input: QueryInput
): Effect.Effect<Prepared<Request.QueryRequest>, InvalidRequest, QFPayConfig> =>
  Effect.flatMap(QFPayConfig, (config) => {
    // A list item with a comma would silently become two ids on the wire.
    const issues = (["syssn", "out_trade_no", "pay_type"] as const).flatMap((field) => {
      const value = input?.[field]
      return Array.isArray(value)
        ? value.flatMap((item, i) =>
          typeof item === "string" && item.includes(",")
            ? [{
              path: `${field}.${i}`,
              message: `a value in a list must not contain a comma, got ${JSON.stringify(item)}`
            }]
            : []
        )
        : []
    })
    if (issues.length > 0) return Effect.fail(new InvalidRequest({ operation: "query", issues }))
    return prepareWire(
      Endpoint.query,
      Request.QueryRequest,
      compact({ ...(input ?? {}), mchid: Option.getOrUndefined(config.mchid) })
    )
  })

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
const decodeSummary = Schema.decodeUnknownEither(Response.OperationSummary)

const submitPrepared = <A, R>(
  prepared: Prepared<A>,
  decode: (u: unknown) => Either.Either<R, unknown>
): Effect.Effect<Submitted<A, R>, Engine.SendError, QFPayConfig | Transport> =>
  Effect.flatMap(Engine.send(prepared.endpoint, prepared.params), (sent) => {
    const code = sent.envelope.respcd
    const cls = ResponseCode.classify(code)
    const full = decode(sent.json)
    if (Either.isLeft(full) && (cls === "success" || cls === "pending")) {
      return Effect.fail(
        new UnexpectedResponse({
          endpoint: prepared.endpoint.operation,
          status: sent.response.status,
          reason: "fields QFPay does not send this way",
          excerpt: Engine.excerpt(sent.response.body),
          ambiguous: prepared.endpoint.mutating
        })
      )
    }
    return Effect.succeed({
      prepared,
      envelope: sent.envelope,
      response: Either.getOrUndefined(full),
      code,
      class: cls
    })
  })

/**
 * Sends one request once: validate, complete (`txdtm` now for a refund), sign, send, decode,
 * classify. Whatever QFPay answered is returned, classified; only failures to get an answer
 * fail.
 *
 * @since 0.1.0
 * @category submit
 */
export const submit: {
  (operation: "refund", input: RefundInput): Effect.Effect<
    Submitted<Request.RefundRequest, Response.OperationResponse>,
    InvalidRequest | Engine.SendError,
    QFPayConfig | Transport
  >
  (operation: "reversal" | "close", input: CancelInput): Effect.Effect<
    Submitted<Request.ReversalRequest, Response.OperationResponse>,
    InvalidRequest | Engine.SendError,
    QFPayConfig | Transport
  >
  (operation: "query", input: QueryInput): Effect.Effect<
    Submitted<Request.QueryRequest, Response.QueryResponse>,
    InvalidRequest | Engine.SendError,
    QFPayConfig | Transport
  >
} = ((operation: "refund" | "reversal" | "close" | "query", input: any) => {
  switch (operation) {
    case "refund":
      return Effect.flatMap(prepareRefund(input), (p) => submitPrepared(p, decodeOperation))
    case "reversal":
    case "close":
      return Effect.flatMap(prepareCancel(operation, input), (p) => submitPrepared(p, decodeOperation))
    case "query":
      return Effect.flatMap(prepareQuery(input), (p) => submitPrepared(p, decodeQuery))
  }
}) as any

/**
 * Sends already prepared parameters once more, unchanged: the very same identifiers. Decodes
 * the fields a receipt needs.
 *
 * @since 0.1.0
 * @category submit
 */
export const resend = <A>(
  prepared: Prepared<A>
): Effect.Effect<Submitted<A, Response.OperationSummary>, Engine.SendError, QFPayConfig | Transport> =>
  submitPrepared(prepared, decodeSummary)

/**
 * Sends a prepared enquiry once.
 *
 * @since 0.1.0
 * @category submit
 */
export const sendQuery = <A>(
  prepared: Prepared<A>
): Effect.Effect<Submitted<A, Response.QueryResponse>, Engine.SendError, QFPayConfig | Transport> =>
  submitPrepared(prepared, decodeQuery)

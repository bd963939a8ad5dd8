/**
 * Preparing a request: validate the caller's input (nothing is sent for bad input), complete it
 * (a new `out_trade_no`, the request time in the configured zone, the `mchid`), and encode the
 * exact wire parameters that will be signed and sent, once, for every attempt.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import type { OutTradeNo } from "../Identifiers.js"
import { OutTradeNoGenerator } from "../OutTradeNoGenerator.js"
import { QFPayConfig, type Service as ConfigService } from "../QFPayConfig.js"
import { InvalidRequest } from "../QFPayError.js"
import * as Request from "../Request.js"
import * as TxDateTime from "../TxDateTime.js"
import { issuesOf } from "./issues.js"
import * as Telemetry from "./telemetry.js"

/**
 * A prepared request: the validated domain value and the exact wire parameters.
 *
 * @internal
 */
export interface Prepared<A> {
  readonly endpoint: Endpoint.Endpoint
  readonly request: A
  readonly params: Readonly<Record<string, string>>
}

const invalid = (operation: string) => (e: Parameters<typeof issuesOf>[0]) =>
  new InvalidRequest({ operation, issues: issuesOf(e) })

// Values as a form body carries them; anything else is left as is for the schema to refuse.
const toWire = (value: unknown): unknown =>
  typeof value === "number" || typeof value === "bigint" || typeof value === "boolean"
    ? String(value)
    : Array.isArray(value)
    ? value.map(String).join(",")
    : value

/** Drops absent fields and writes the rest as the wire carries them. @internal */
export const compact = (input: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(input)) {
    const value = input[key]
    if (value !== undefined) out[key] = toWire(value)
  }
  return out
}

/**
 * Encodes a request whose fields are already domain values. Encoding checks every refinement
 * again, so nothing malformed reaches the wire even from code that built the value by hand.
 *
 * @internal
 */
export const encode = <A>(
  endpoint: Endpoint.Endpoint,
  schema: Schema.Schema<A, any>,
  request: A
): Either.Either<Prepared<A>, InvalidRequest> =>
  Either.map(
    Either.mapLeft(Schema.encodeEither(schema, { errors: "all" })(request), invalid(endpoint.operation)),
    (encoded) => ({ endpoint, request, params: compact(encoded) as Record<string, string> })
  )

const decodeInput = <A, I>(operation: string, schema: Schema.Schema<A, I>, input: unknown) =>
  Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "all" })(input ?? {}), invalid(operation))

const withoutUndefined = <A extends object>(a: A): A => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(a)) {
    if (value !== undefined) out[key] = value
  }
  return out as A
}

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

// Every field is a validated domain value (or ours: the id, the time, the mchid), so the wire
// form is its text; no second schema pass (this runs once per refund).
const refundOf = (
  config: ConfigService,
  valid: Schema.Schema.Type<typeof Request.RefundInput>,
  out_trade_no: OutTradeNo,
  txdtm: TxDateTime.TxDateTime
): Prepared<Request.RefundRequest> => {
  const request: Mutable<Request.RefundRequest> = { syssn: valid.syssn, out_trade_no, txamt: valid.txamt, txdtm }
  const params: Record<string, string> = { syssn: valid.syssn, out_trade_no, txamt: String(valid.txamt), txdtm }
  if (config.mchid._tag === "Some") request.mchid = params.mchid = config.mchid.value
  if (valid.udid !== undefined) request.udid = params.udid = valid.udid
  return { endpoint: Endpoint.refund, request, params }
}

/** @internal */
export const refund = (
  input: Request.RefundInput
): Effect.Effect<Prepared<Request.RefundRequest>, InvalidRequest, QFPayConfig> =>
  // The services, the clock and the id in as few steps as they take: this runs once per refund.
  Effect.contextWithEffect((context: Context.Context<QFPayConfig>) => {
    const config = Context.get(context, QFPayConfig)
    const decoded = decodeInput("refund", Request.RefundInput, input)
    if (Either.isLeft(decoded)) return Telemetry.refused("refund", decoded.left)
    const valid = decoded.right
    return Effect.clockWith((clock) => {
      const txdtm = valid.txdtm ??
        TxDateTime.fromDateTime(DateTime.unsafeMake(clock.unsafeCurrentTimeMillis()), config.timeZone)
      return valid.out_trade_no !== undefined
        ? Effect.succeed(refundOf(config, valid, valid.out_trade_no, txdtm))
        : Effect.map(Context.get(context, OutTradeNoGenerator).next, (id) => refundOf(config, valid, id, txdtm))
    })
  })

/** @internal */
export const cancel = (
  operation: "reversal" | "close",
  input: Request.CancelInput
): Effect.Effect<Prepared<Request.ReversalRequest>, InvalidRequest, QFPayConfig> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const valid = decodeInput(operation, Request.CancelInput, input)
    if (Either.isLeft(valid)) return yield* Telemetry.refused(operation, valid.left)
    const prepared = encode(
      Endpoint.byOperation(operation),
      operation === "reversal" ? Request.ReversalRequest : Request.CloseRequest,
      withoutUndefined({ ...valid.right, mchid: Option.getOrUndefined(config.mchid) })
    )
    if (Either.isLeft(prepared)) return yield* Telemetry.refused(operation, prepared.left)
    return prepared.right
  })

/** @internal */
export const query = (
  input: Request.QueryInput
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
    const wire = compact({ ...(input ?? {}), mchid: Option.getOrUndefined(config.mchid) })
    return Either.flatMap(
      Either.mapLeft(
        Schema.decodeUnknownEither(Request.QueryRequest, { errors: "all", onExcessProperty: "error" })(wire),
        invalid("query")
      ),
      (request) => encode(Endpoint.query, Request.QueryRequest, request)
    )
  })

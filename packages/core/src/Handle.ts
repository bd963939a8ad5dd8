/**
 * Everything needed to find an operation again after this process lost track of it: to
 * resume polling a "still pending" refund or reversal, or to reconcile one whose outcome is
 * unknown. A handle is plain data; it serialises with Schema and as a compact token.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Amount } from "./Amount.js"
import { OutTradeNo, Syssn, Udid } from "./Identifiers.js"
import type * as Request from "./Request.js"
import { TxDateTime } from "./TxDateTime.js"

/**
 * A refund: `out_trade_no` is the refund's own id (its idempotency key), `syssn` the payment
 * refunded, `txdtm` the request time sent with it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RefundHandle = Schema.TaggedStruct("RefundHandle", {
  syssn: Syssn,
  out_trade_no: OutTradeNo,
  txamt: Amount,
  txdtm: TxDateTime,
  udid: Schema.optional(Udid),
  /** The refund's own transaction number, once QFPay has given it. */
  refund_syssn: Schema.optional(Syssn),
  /** When the first attempt was sent (epoch milliseconds): resuming a poll later asks at once. */
  submitted_at: Schema.optional(Schema.NonNegativeInt)
}).annotations({ identifier: "RefundHandle" })

/**
 * @since 0.1.0
 * @category models
 */
export interface RefundHandle extends Schema.Schema.Type<typeof RefundHandle> {}

/**
 * A reversal or close of a payment that had not completed, named by its `syssn` or
 * `out_trade_no`; `txamt` and `txdtm` are the original payment's.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CancelHandle = Schema.TaggedStruct("CancelHandle", {
  operation: Schema.Literal("reversal", "close"),
  syssn: Schema.optional(Syssn),
  out_trade_no: Schema.optional(OutTradeNo),
  txamt: Amount,
  txdtm: TxDateTime,
  udid: Schema.optional(Udid),
  /** The reversal's / close's own transaction number, once QFPay has given it. */
  cancel_syssn: Schema.optional(Syssn),
  /** When the first attempt was sent (epoch milliseconds): resuming a poll later asks at once. */
  submitted_at: Schema.optional(Schema.NonNegativeInt)
}).annotations({ identifier: "CancelHandle" })

/**
 * @since 0.1.0
 * @category models
 */
export interface CancelHandle extends Schema.Schema.Type<typeof CancelHandle> {}

/**
 * Plain data: handles are built from values already validated, and read back with
 * {@link fromToken} or `Schema.decodeUnknown(Handle)`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Handle = Schema.Union(RefundHandle, CancelHandle).annotations({ identifier: "Handle" })

/**
 * @since 0.1.0
 * @category models
 */
export type Handle = RefundHandle | CancelHandle

/**
 * The operation a handle names.
 *
 * @since 0.1.0
 * @category getters
 */
export const operation = (handle: Handle): "refund" | "reversal" | "close" =>
  handle._tag === "RefundHandle" ? "refund" : handle.operation

/**
 * A handle as URL-safe text: base64url of its JSON encoding. Fit for a command line.
 *
 * @since 0.1.0
 * @category schemas
 */
export const HandleFromToken: Schema.Schema<Handle, string> = Schema.transformOrFail(
  Schema.String,
  Schema.parseJson(Handle),
  {
    strict: true,
    decode: (token, _, ast) =>
      Either.match(Encoding.decodeBase64UrlString(token.trim()), {
        onLeft: () => ParseResult.fail(new ParseResult.Type(ast, token, "expected a handle token")),
        onRight: (json) => ParseResult.succeed(json)
      }),
    encode: (json) => ParseResult.succeed(Encoding.encodeBase64Url(json))
  }
).annotations({ identifier: "HandleToken" })

/**
 * @since 0.1.0
 * @category conversions
 */
export const toToken = (handle: Handle): string => Schema.encodeSync(HandleFromToken)(handle)

/**
 * @since 0.1.0
 * @category conversions
 */
export const fromToken = (token: string): Either.Either<Handle, ParseResult.ParseError> =>
  Schema.decodeEither(HandleFromToken)(token)

/**
 * A short description, for messages: "refund ABC… of payment 2019…".
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe = (handle: Handle): string =>
  handle._tag === "RefundHandle"
    ? `refund ${handle.out_trade_no} of ${handle.txamt} cents on payment ${handle.syssn}`
    : `${handle.operation} of payment ${handle.syssn ?? handle.out_trade_no} (${handle.txamt} cents)`

/**
 * The handle of a prepared refund: the very identifiers that will be sent (its
 * `out_trade_no` and request time included), so that a resumed operation resends them.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromRefund = (request: Request.RefundRequest): RefundHandle =>
  request.udid === undefined
    ? {
      _tag: "RefundHandle",
      syssn: request.syssn,
      out_trade_no: request.out_trade_no,
      txamt: request.txamt,
      txdtm: request.txdtm
    }
    : {
      _tag: "RefundHandle",
      syssn: request.syssn,
      out_trade_no: request.out_trade_no,
      txamt: request.txamt,
      txdtm: request.txdtm,
      udid: request.udid
    }

/**
 * The handle of a prepared reversal or close.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromCancel = (operation: "reversal" | "close", request: Request.ReversalRequest): CancelHandle => ({
  _tag: "CancelHandle",
  operation,
  txamt: request.txamt,
  txdtm: request.txdtm,
  ...(request.syssn === undefined ? {} : { syssn: request.syssn }),
  ...(request.out_trade_no === undefined ? {} : { out_trade_no: request.out_trade_no }),
  ...(request.udid === undefined ? {} : { udid: request.udid })
})

/**
 * The program input that sends this operation again with the very same identifiers.
 *
 * @since 0.2.0
 * @category conversions
 */
export const toInput: {
  (handle: RefundHandle): Request.RefundInput
  (handle: CancelHandle): Request.CancelInput
  (handle: Handle): Request.RefundInput | Request.CancelInput
} = ((handle: Handle) =>
  handle._tag === "RefundHandle"
    ? {
      syssn: handle.syssn,
      txamt: handle.txamt,
      out_trade_no: handle.out_trade_no,
      txdtm: handle.txdtm,
      ...(handle.udid === undefined ? {} : { udid: handle.udid })
    }
    : {
      txamt: handle.txamt,
      txdtm: handle.txdtm,
      ...(handle.syssn === undefined ? {} : { syssn: handle.syssn }),
      ...(handle.out_trade_no === undefined ? {} : { out_trade_no: handle.out_trade_no }),
      ...(handle.udid === undefined ? {} : { udid: handle.udid })
    }) as any

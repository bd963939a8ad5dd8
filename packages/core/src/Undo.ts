/**
 * Undo a payment, whatever state it is in: refund it if it was paid, cancel it if it was not,
 * and change nothing if it is already undone.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Amount } from "./Amount.js"
import { cancel, type CancelError } from "./Cancel.js"
import * as Decisions from "./Decisions.js"
import { OutTradeNo, Syssn, Udid } from "./Identifiers.js"
import { issuesOf } from "./internal/issues.js"
import { withSpan } from "./internal/span.js"
import * as Telemetry from "./internal/telemetry.js"
import type * as Options_ from "./Options.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import { InvalidRequest, type TransactionNotFound, UnexpectedResponse } from "./QFPayError.js"
import * as Query from "./Query.js"
import { Receipt } from "./Receipt.js"
import { refund } from "./Refund.js"
import * as Request from "./Request.js"
import { Cancel, QueryRow } from "./Response.js"
import * as ResponseCode from "./ResponseCode.js"
import type { Transport } from "./Transport.js"

/**
 * The payment was paid and is now refunded (in full, or by the amount given).
 *
 * @since 0.1.0
 * @category results
 */
export class Refunded extends Schema.TaggedClass<Refunded>("@effect-qfpay/core/Undo/Refunded")("Refunded", {
  receipt: Receipt,
  payment: Schema.typeSchema(QueryRow)
}) {}

/**
 * The payment had not completed and is now reversed or closed.
 *
 * @since 0.1.0
 * @category results
 */
export class Cancelled extends Schema.TaggedClass<Cancelled>("@effect-qfpay/core/Undo/Cancelled")("Cancelled", {
  receipt: Receipt,
  payment: Schema.typeSchema(QueryRow)
}) {}

/**
 * Nothing was done: the payment was already cancelled, already fully refunded, or failed (so
 * the customer was not charged).
 *
 * @since 0.1.0
 * @category results
 */
export class NothingToUndo extends Schema.TaggedClass<NothingToUndo>("@effect-qfpay/core/Undo/NothingToUndo")(
  "NothingToUndo",
  {
    reason: Schema.Literal("already-cancelled", "already-refunded", "payment-failed"),
    payment: Schema.typeSchema(QueryRow)
  }
) {
  /**
   * @since 0.1.0
   */
  get description(): string {
    switch (this.reason) {
      case "already-cancelled":
        return `payment ${this.payment.syssn} is already cancelled; nothing to undo`
      case "already-refunded":
        return `payment ${this.payment.syssn} is already fully refunded; nothing to undo`
      case "payment-failed":
        return `payment ${this.payment.syssn} failed (${this.payment.respcd} ${
          ResponseCode.meaning(this.payment.respcd)
        }); nothing was charged, nothing to undo`
    }
  }
}

/**
 * @since 0.1.0
 * @category results
 */
export type UndoResult = Refunded | Cancelled | NothingToUndo

/**
 * The payment (`syssn` or `out_trade_no`); for a paid payment, optionally the amount to
 * refund (default: all of it) and the refund's own `out_trade_no`.
 *
 * @since 0.1.0
 * @category models
 */
export const UndoInput = Schema.Struct({
  syssn: Schema.optional(Syssn),
  out_trade_no: Schema.optional(OutTradeNo),
  txamt: Schema.optional(Amount),
  refund_out_trade_no: Schema.optional(OutTradeNo),
  udid: Schema.optional(Udid)
}).pipe(Schema.filter(Request.namesPayment))

/**
 * @since 0.1.0
 * @category models
 */
export type UndoInput = typeof UndoInput.Encoded

/**
 * @since 0.1.0
 * @category models
 */
export type UndoError = CancelError | Query.QueryError | TransactionNotFound

/**
 * @since 0.2.0
 * @category models
 */
export type Options = Options_.Options

const cancelled: ReadonlyArray<string> = Decisions.alreadyCancelledCodes

// An enquiry row without the fields a decision needs is an odd answer, not bad input.
const incomplete = (payment: QueryRow, missing: string) =>
  new UnexpectedResponse({
    endpoint: "query",
    status: 200,
    reason: `the enquiry's row for payment ${payment.syssn} has no ${missing}`,
    excerpt: "",
    ambiguous: false
  })

/**
 * Looks the payment up, then:
 * - paid: refunds it, by `txamt`, or by what is left to refund (the whole payment, or the rest
 *   of a partly refunded one: the receipt says how much);
 * - not completed: cancels it (reversal or close by pay type), in full;
 * - already cancelled, fully refunded, or failed: reports that and changes nothing.
 *
 * Bad input fails with `InvalidRequest` before anything is sent.
 *
 * @example
 * ```ts
 * import { undo } from "@effect-qfpay/core"
 * import { Effect } from "effect"
 *
 * const result = Effect.map(undo({ out_trade_no: "ORDER-42" }), (r) => r._tag)
 * ```
 *
 * @since 0.1.0
 * @category programs
 */
export const undo = (
  input: UndoInput,
  options?: Options
): Effect.Effect<UndoResult, UndoError, QFPayConfig | Transport> =>
  // Counted under the operation it chooses; as `undo` when it chooses none.
  Telemetry.unlessChosen("undo", "nothing_to_undo", (chose) =>
    Effect.gen(function*() {
      const decoded = Schema.decodeUnknownEither(UndoInput, { errors: "all" })(input ?? {})
      if (Either.isLeft(decoded)) {
        return yield* Effect.fail(new InvalidRequest({ operation: "undo", issues: issuesOf(decoded.left) }))
      }
      const valid = decoded.right
      const payment = yield* Query.findPayment(valid)
      const cancelFlag = payment.cancel ?? Cancel.none
      if (
        cancelFlag === Cancel.cpmReversed || cancelFlag === Cancel.mpmCancelled || cancelled.includes(payment.respcd)
      ) {
        return new NothingToUndo({ reason: "already-cancelled", payment }, true)
      }
      if (cancelFlag === Cancel.refunded) return new NothingToUndo({ reason: "already-refunded", payment }, true)

      switch (ResponseCode.classify(payment.respcd)) {
        case "success": {
          if (payment.txamt === undefined && valid.txamt === undefined) {
            return yield* Effect.fail(incomplete(payment, "txamt"))
          }
          // What is left: the whole payment, unless refunds were made (then the enquiry sums them).
          const txamt = valid.txamt ?? (cancelFlag === Cancel.partiallyRefunded
            ? payment.txamt! - (yield* Query.refundedAmount(payment))
            : payment.txamt!)
          if (txamt <= 0) return new NothingToUndo({ reason: "already-refunded", payment }, true)
          chose()
          const receipt = yield* refund({
            syssn: payment.syssn,
            txamt,
            out_trade_no: valid.refund_out_trade_no,
            udid: valid.udid
          }, options)
          return new Refunded({ receipt, payment }, true)
        }
        case "pending": {
          if (payment.txamt === undefined) return yield* Effect.fail(incomplete(payment, "txamt"))
          if (payment.txdtm === undefined) return yield* Effect.fail(incomplete(payment, "txdtm"))
          if (payment.pay_type === undefined) return yield* Effect.fail(incomplete(payment, "pay_type"))
          if (valid.txamt !== undefined && valid.txamt !== payment.txamt) {
            return yield* Effect.fail(
              new InvalidRequest({
                operation: "undo",
                issues: [{
                  path: "txamt",
                  message: `a payment that has not completed is cancelled in full: omit txamt or give ${payment.txamt}`
                }]
              })
            )
          }
          chose()
          const receipt = yield* cancel({
            syssn: payment.syssn,
            out_trade_no: payment.out_trade_no,
            txamt: payment.txamt,
            txdtm: payment.txdtm,
            udid: valid.udid,
            pay_type: payment.pay_type
          }, options)
          return new Cancelled({ receipt, payment }, true)
        }
        default:
          return new NothingToUndo({ reason: "payment-failed", payment }, true)
      }
    })).pipe(withSpan("QFPay.undo"))

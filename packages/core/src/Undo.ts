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
import { traced } from "./internal/traced.js"
import type { PollPolicy } from "./PollPolicy.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import { InvalidRequest, type TransactionNotFound } from "./QFPayError.js"
import * as Query from "./Query.js"
import { Receipt } from "./Receipt.js"
import { refund } from "./Refund.js"
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
}).pipe(
  Schema.filter((a) =>
    a.syssn !== undefined || a.out_trade_no !== undefined || {
      path: ["syssn"],
      message: "give the payment's syssn or out_trade_no (at least one)"
    }
  )
)

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

const invalid = (path: string, message: string) =>
  new InvalidRequest({ operation: "undo", issues: [{ path, message }] })

const cancelled: ReadonlyArray<string> = Decisions.alreadyCancelledCodes

/**
 * Looks the payment up, then:
 * - paid: refunds it, in full or by `txamt` (a partly refunded payment needs `txamt`);
 * - not completed: cancels it (reversal or close by pay type), in full;
 * - already cancelled, fully refunded, or failed: reports that and changes nothing.
 *
 * @since 0.1.0
 * @category programs
 */
export const undo: (
  input: UndoInput,
  options?: { readonly poll?: PollPolicy | undefined }
) => Effect.Effect<UndoResult, UndoError, QFPayConfig | Transport> = traced(
  "QFPay.undo",
  (input: UndoInput, options?: { readonly poll?: PollPolicy | undefined }) =>
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
          if (valid.txamt === undefined && cancelFlag === Cancel.partiallyRefunded) {
            return yield* Effect.fail(
              invalid("txamt", `payment ${payment.syssn} is already partly refunded: give the amount to refund`)
            )
          }
          const txamt = valid.txamt ?? payment.txamt
          if (txamt === undefined) {
            return yield* Effect.fail(invalid("txamt", "the enquiry did not give the payment's amount: give it"))
          }
          const receipt = yield* refund({
            syssn: payment.syssn,
            txamt,
            out_trade_no: valid.refund_out_trade_no,
            udid: valid.udid
          }, options)
          return new Refunded({ receipt, payment }, true)
        }
        case "pending": {
          if (payment.txamt === undefined || payment.txdtm === undefined) {
            return yield* Effect.fail(
              invalid("syssn", "the enquiry did not give the payment's amount and time, which a cancellation needs")
            )
          }
          if (valid.txamt !== undefined && valid.txamt !== payment.txamt) {
            return yield* Effect.fail(
              invalid(
                "txamt",
                `a payment that has not completed is cancelled in full: omit txamt or give ${payment.txamt}`
              )
            )
          }
          if (payment.pay_type === undefined) {
            return yield* Effect.fail(invalid("pay_type", "the enquiry did not give the payment's pay type"))
          }
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
    })
)

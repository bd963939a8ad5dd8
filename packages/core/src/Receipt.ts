/**
 * What a settled refund, reversal or close reports.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Amount } from "./Amount.js"
import { Currency } from "./Currency.js"
import { OutTradeNo, Syssn } from "./Identifiers.js"
import { TxDateTime } from "./TxDateTime.js"

/**
 * How settlement was established:
 * - `response`: the answer to this call's own request;
 * - `enquiry`: a transaction enquiry after this call's own request (polled while in progress,
 *   or looked up after an answer that was lost, unreadable or odd);
 * - `found`: an earlier attempt of the same intent (an earlier run, another process, the
 *   caller's own retry with the same id) had already been applied, and this call found it with
 *   the enquiry: nothing this call sent moved money.
 *
 * @since 0.1.0
 * @category models
 */
export const ConfirmedBy = Schema.Literal("response", "enquiry", "found")

/**
 * A settled operation. `syssn` is the new transaction number of the refund / reversal / close
 * when QFPay gave one; `orig_syssn` the original payment; `out_trade_no` the refund's own id
 * (refund) or the original payment's (reversal, close).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Receipt = Schema.Struct({
  operation: Schema.Literal("refund", "reversal", "close"),
  syssn: Schema.optional(Syssn),
  orig_syssn: Schema.optional(Syssn),
  out_trade_no: Schema.optional(OutTradeNo),
  txamt: Amount,
  txcurrcd: Schema.optional(Currency),
  txdtm: Schema.optional(TxDateTime),
  sysdtm: Schema.optional(TxDateTime),
  respcd: Schema.String,
  confirmed_by: ConfirmedBy,
  /** How many submit attempts were made (1 unless retried or resubmitted). */
  attempts: Schema.Number,
  /** How many enquiries were made. */
  enquiries: Schema.Number
}).annotations({ identifier: "Receipt" })

/**
 * @since 0.1.0
 * @category models
 */
export interface Receipt extends Schema.Schema.Type<typeof Receipt> {}

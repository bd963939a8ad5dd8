/**
 * QFPay's asynchronous notifications: JSON that QFPay POSTs to the merchant after a payment
 * or a refund succeeded, signed over the raw body bytes (see `Signature.verifyNotification`).
 * The merchant answers HTTP 200 with `SUCCESS`; until then QFPay retries after 2m, 10m, 10m,
 * 60m, 2h, 6h and 15h, so a handler must be idempotent: {@link identity} is the key to
 * de-duplicate on.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AmountFromWire } from "./Amount.js"
import { Currency } from "./Currency.js"
import { OutTradeNo, Syssn } from "./Identifiers.js"
import { intFromWire, optionalWire, Text } from "./internal/wire.js"
import { PayTypeFromWire } from "./PayType.js"
import { ResponseCode } from "./ResponseCode.js"
import { TxDateTime } from "./TxDateTime.js"

const common = {
  syssn: Syssn,
  out_trade_no: optionalWire(OutTradeNo),
  txamt: AmountFromWire,
  txcurrcd: optionalWire(Currency),
  txdtm: optionalWire(TxDateTime),
  sysdtm: optionalWire(TxDateTime),
  paydtm: optionalWire(TxDateTime),
  pay_type: optionalWire(PayTypeFromWire),
  respcd: ResponseCode,
  cancel: optionalWire(intFromWire(0, 99, "a cancel flag")),
  status: Schema.optional(Text),
  mchid: Schema.optional(Text),
  goods_name: Schema.optional(Text),
  goods_info: Schema.optional(Text),
  chnlsn: Schema.optional(Text),
  chnlsn2: Schema.optional(Text),
  cardcd: Schema.optional(Text),
  exchange_rate: Schema.optional(Text),
  cash_fee: Schema.optional(Text),
  cash_fee_type: Schema.optional(Text),
  cash_refund_fee: Schema.optional(Text),
  cash_refund_fee_type: Schema.optional(Text)
}

/**
 * A payment succeeded.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PaymentNotification = Schema.Struct({
  notify_type: Schema.Literal("payment"),
  ...common
}).annotations({ identifier: "PaymentNotification" })

/**
 * A refund succeeded. The original payment appears as `orig_syssn` or `origssn` when sent.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RefundNotification = Schema.Struct({
  notify_type: Schema.Literal("refund"),
  orig_syssn: optionalWire(Syssn),
  origssn: optionalWire(Syssn),
  ...common
}).annotations({ identifier: "RefundNotification" })

/**
 * @since 0.1.0
 * @category schemas
 */
export const Notification = Schema.Union(PaymentNotification, RefundNotification).annotations({
  identifier: "Notification"
})

/**
 * @since 0.1.0
 * @category models
 */
export type Notification = typeof Notification.Type

/**
 * What makes a notification the same notification when QFPay delivers it again: its type
 * and the transaction number it reports.
 *
 * @since 0.1.0
 * @category identity
 */
export const identity = (notification: Notification): string => `${notification.notify_type}:${notification.syssn}`

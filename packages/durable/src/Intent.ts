/**
 * An intent is the caller's name for one operation it wants done once (`refund-<order id>`,
 * `cancel-<order id>`): the durable operations' idempotency key. Calling a durable operation
 * again with the same intent, from any process, after any crash, finds the same operation.
 *
 * A refund's `out_trade_no` (QFPay's idempotency key) is derived from the intent, so that every
 * run and every replayed activity of the intent sends the very same id: the first 128 bits of
 * SHA-256 of the intent, as 32 upper-case hexadecimal characters.
 *
 * @since 0.2.0
 */
import type { Identifiers } from "@effect-qfpay/core"
import * as Schema from "effect/Schema"
import { createHash } from "node:crypto"

/**
 * @since 0.2.0
 * @category schemas
 */
export const Intent = Schema.String.pipe(
  Schema.filter((s) =>
    (s.length > 0 && s.length <= 200 && /^[\x21-\x7e]+$/.test(s)) ||
    `expected an intent id: 1 to 200 printable ASCII characters without spaces (e.g. refund-order-42), got ${
      JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s)
    }`
  ),
  Schema.brand("Intent"),
  Schema.annotations({ identifier: "Intent" })
)

/**
 * @since 0.2.0
 * @category models
 */
export type Intent = typeof Intent.Type

/**
 * The refund `out_trade_no` of an intent: the same for every run of it.
 *
 * @since 0.2.0
 * @category identifiers
 */
export const outTradeNo = (intent: string, purpose = "refund"): Identifiers.OutTradeNo =>
  createHash("sha256").update(`effect-qfpay/${purpose}:${intent}`).digest("hex").slice(0, 32)
    .toUpperCase() as Identifiers.OutTradeNo

/**
 * Reverse a payment that has not completed (POST `/trade/v1/reversal`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Cancel from "./internal/cancel.js"
import type { ExecuteError } from "./internal/execute.js"
import { traced } from "./internal/traced.js"
import type { PollPolicy } from "./PollPolicy.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import type { Receipt } from "./Receipt.js"
import type * as Submit from "./Submit.js"
import type { Transport } from "./Transport.js"

/**
 * The original payment (`syssn` or `out_trade_no`), its amount and its transaction time.
 *
 * @since 0.1.0
 * @category models
 */
export type ReverseInput = Submit.CancelInput

/**
 * Reverses a not-completed payment and follows the reversal until it settles. After a `0000`
 * answer the payment is checked with the enquiry (the docs: a reversal does not guarantee the
 * customer was not charged). A paid payment cannot be reversed: refund it.
 *
 * @since 0.1.0
 * @category programs
 */
export const reverse: (
  input: ReverseInput,
  options?: { readonly poll?: PollPolicy | undefined }
) => Effect.Effect<Receipt, ExecuteError, QFPayConfig | Transport> = traced(
  "QFPay.reverse",
  (input: ReverseInput, options?: { readonly poll?: PollPolicy | undefined }) =>
    Effect.gen(function*() {
      return yield* Cancel.run("reversal", input, options)
    })
)

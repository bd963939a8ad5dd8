/**
 * Close a payment that has not completed (GET `/trade/v1/close`), for the wallets that close
 * rather than reverse.
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
export type CloseInput = Submit.CancelInput

/**
 * Closes a not-completed payment and follows the close until it settles, confirming with the
 * enquiry after a `0000` answer.
 *
 * @since 0.1.0
 * @category programs
 */
export const close: (
  input: CloseInput,
  options?: { readonly poll?: PollPolicy | undefined }
) => Effect.Effect<Receipt, ExecuteError, QFPayConfig | Transport> = traced(
  "QFPay.close",
  (input: CloseInput, options?: { readonly poll?: PollPolicy | undefined }) =>
    Effect.gen(function*() {
      return yield* Cancel.run("close", input, options)
    })
)

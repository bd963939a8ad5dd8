/**
 * Settle the question an `OutcomeUnknown` (or an interruption) leaves open: was the operation
 * applied?
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Handle } from "./Handle.js"
import { run } from "./internal/run.js"
import { withSpan } from "./internal/span.js"
import type { Options } from "./Options.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import type { OperationError } from "./QFPayError.js"
import type { Receipt } from "./Receipt.js"
import type { Transport } from "./Transport.js"

/**
 * Looks the operation up first; follows it when the enquiry knows it (settled, in progress
 * or failed), and only when it is not there resubmits it with the very same identifiers (the
 * refund's `out_trade_no` and request time included). Safe to run again and again, from any
 * process.
 *
 * @example
 * ```ts
 * import { Handle, reconcile } from "@effect-qfpay/core"
 * import { Effect } from "effect"
 *
 * const token = "eyJfdGFnIjoiUmVmdW5kSGFuZGxlIn0" // saved from an OutcomeUnknown: Handle.toToken(error.handle)
 * const receipt = Effect.flatMap(Handle.fromToken(token), (handle) => reconcile(handle))
 * ```
 *
 * @since 0.1.0
 * @category programs
 */
export const reconcile = (
  handle: Handle,
  options?: Options
): Effect.Effect<Receipt, OperationError, QFPayConfig | Transport> =>
  run(handle, "reconcile", undefined, options?.poll).pipe(withSpan("QFPay.reconcile"))

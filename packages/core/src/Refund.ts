/**
 * Refund a successful payment, fully or partially.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import { flatMap } from "effect/Effect"
import * as Handle from "./Handle.js"
import * as Prepare from "./internal/request.js"
import { run } from "./internal/run.js"
import { annotate, withSpan } from "./internal/span.js"
import type * as Options_ from "./Options.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import type { OperationError } from "./QFPayError.js"
import type { Receipt } from "./Receipt.js"
import type * as Request from "./Request.js"
import type { Transport } from "./Transport.js"

/**
 * @since 0.1.0
 * @category models
 */
export type RefundInput = Request.RefundInput

/**
 * @since 0.1.0
 * @category models
 */
export type Options = Options_.Options

/**
 * @since 0.1.0
 * @category models
 */
export type RefundError = OperationError

/**
 * Refunds `txamt` cents of the payment `syssn` and follows the refund until it settles.
 *
 * The refund's `out_trade_no` (its idempotency key) is made once, before the first attempt,
 * unless you pass your own, and every retry sends it unchanged. A lost or odd answer is looked
 * up with the enquiry before anything is sent again, so one call refunds at most once; and a
 * "duplicate" answer is looked up too, so running the same intent again (same `out_trade_no`,
 * after a crash or from another process) finds the refund instead of failing. An "in progress"
 * answer is polled (`PollPolicy`); `StillPending` carries the handle to resume.
 *
 * @example
 * ```ts
 * import { refund } from "@effect-qfpay/core"
 *
 * // 5.00 refunded from a payment; the refund's own id is made for you.
 * const receipt = refund({ syssn: "20191227000200020061752831", txamt: 500 })
 * ```
 *
 * @since 0.1.0
 * @category programs
 */
export const refund = (
  input: RefundInput,
  options?: Options
): Effect.Effect<Receipt, RefundError, QFPayConfig | Transport> =>
  flatMap(Prepare.refund(input), (prepared) => {
    const request = prepared.request
    return flatMap(
      annotate({
        "qfpay.syssn": request.syssn,
        "qfpay.out_trade_no": request.out_trade_no,
        "qfpay.txamt": request.txamt
      }),
      () => run(Handle.fromRefund(request), "submit", prepared, options?.poll, input.out_trade_no !== undefined)
    )
  }).pipe(withSpan("QFPay.refund"))

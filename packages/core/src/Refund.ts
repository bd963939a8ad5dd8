/**
 * Refund a successful payment, fully or partially.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { RefundHandle } from "./Handle.js"
import { execute, type ExecuteError } from "./internal/execute.js"
import { traced } from "./internal/traced.js"
import type { PollPolicy } from "./PollPolicy.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import type { Receipt } from "./Receipt.js"
import * as Submit from "./Submit.js"
import type { Transport } from "./Transport.js"

/**
 * @since 0.1.0
 * @category models
 */
export type RefundInput = Submit.RefundInput

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Overrides the configured poll policy for this refund. */
  readonly poll?: PollPolicy | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export type RefundError = ExecuteError

/**
 * Refunds `txamt` cents of the payment `syssn` and follows the refund until it settles.
 *
 * The refund's `out_trade_no` (its idempotency key) is made once, before the first attempt,
 * unless you pass your own, and every retry sends it unchanged. A lost answer is looked up
 * with the enquiry before anything is sent again, so one call refunds at most once. An "in
 * progress" answer is polled (`PollPolicy`); `StillPending` carries the handle to resume.
 *
 * @example
 * ```ts
 * import { Refund } from "@effect-qfpay/core"
 *
 * const receipt = Refund.refund({ syssn: "20191227000200020061752831", txamt: 500 })
 * ```
 *
 * @since 0.1.0
 * @category programs
 */
export const refund: (
  input: RefundInput,
  options?: Options
) => Effect.Effect<Receipt, RefundError, QFPayConfig | Transport> = traced(
  "QFPay.refund",
  (input: RefundInput, options?: Options) =>
    Effect.gen(function*() {
      const prepared = yield* Submit.prepareRefund(input)
      const request = prepared.request
      yield* Effect.annotateCurrentSpan({
        "qfpay.syssn": request.syssn,
        "qfpay.out_trade_no": request.out_trade_no,
        "qfpay.txamt": request.txamt
      })
      const handle: RefundHandle = {
        _tag: "RefundHandle",
        syssn: request.syssn,
        out_trade_no: request.out_trade_no,
        txamt: request.txamt,
        txdtm: request.txdtm,
        ...(request.udid === undefined ? {} : { udid: request.udid })
      }
      return yield* execute(prepared, handle, { poll: options?.poll })
    })
)

/**
 * Settle the question an `OutcomeUnknown` leaves open: was the operation applied?
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Handle } from "./Handle.js"
import { execute, type ExecuteError } from "./internal/execute.js"
import { traced } from "./internal/traced.js"
import type { PollPolicy } from "./PollPolicy.js"
import type { QFPayConfig } from "./QFPayConfig.js"
import type { Receipt } from "./Receipt.js"
import * as Submit from "./Submit.js"
import type { Transport } from "./Transport.js"

/**
 * Looks the operation up first; follows it when the enquiry knows it (settled, in progress
 * or failed), and only when it is not there resubmits it with the very same identifiers
 * (the refund's `out_trade_no` and request time included). Safe to run again and again.
 *
 * @since 0.1.0
 * @category programs
 */
export const reconcile: (
  handle: Handle,
  options?: { readonly poll?: PollPolicy | undefined }
) => Effect.Effect<Receipt, ExecuteError, QFPayConfig | Transport> = traced(
  "QFPay.reconcile",
  (handle: Handle, options?: { readonly poll?: PollPolicy | undefined }) =>
    Effect.gen(function*() {
      const prepared = handle._tag === "RefundHandle"
        ? yield* Submit.prepareRefund({
          syssn: handle.syssn,
          txamt: handle.txamt,
          out_trade_no: handle.out_trade_no,
          txdtm: handle.txdtm,
          udid: handle.udid
        })
        : yield* Submit.prepareCancel(handle.operation, {
          syssn: handle.syssn,
          out_trade_no: handle.out_trade_no,
          txamt: handle.txamt,
          txdtm: handle.txdtm,
          udid: handle.udid
        })
      return yield* execute(prepared, handle, { poll: options?.poll, reconcileFirst: true })
    })
)

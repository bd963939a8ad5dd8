/**
 * Reversal and close share everything but their endpoint.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { CancelHandle } from "../Handle.js"
import type { PollPolicy } from "../PollPolicy.js"
import type { QFPayConfig } from "../QFPayConfig.js"
import type { Receipt } from "../Receipt.js"
import * as Submit from "../Submit.js"
import type { Transport } from "../Transport.js"
import { execute, type ExecuteError } from "./execute.js"

/** @internal */
export const run = (
  operation: "reversal" | "close",
  input: Submit.CancelInput,
  options: { readonly poll?: PollPolicy | undefined } | undefined
): Effect.Effect<Receipt, ExecuteError, QFPayConfig | Transport> =>
  Effect.gen(function*() {
    const prepared = yield* Submit.prepareCancel(operation, input)
    const request = prepared.request
    yield* Effect.annotateCurrentSpan({
      "qfpay.syssn": request.syssn ?? "",
      "qfpay.out_trade_no": request.out_trade_no ?? "",
      "qfpay.txamt": request.txamt
    })
    const handle: CancelHandle = {
      _tag: "CancelHandle",
      operation,
      txamt: request.txamt,
      txdtm: request.txdtm,
      ...(request.syssn === undefined ? {} : { syssn: request.syssn }),
      ...(request.out_trade_no === undefined ? {} : { out_trade_no: request.out_trade_no }),
      ...(request.udid === undefined ? {} : { udid: request.udid })
    }
    return yield* execute(prepared, handle, { poll: options?.poll })
  })

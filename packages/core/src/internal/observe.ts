/**
 * What the transaction enquiry's rows say about one of our operations. Pure.
 *
 * - A refund is its own row, found by its own `out_trade_no` (or its new `syssn`). A row
 *   under that id for another payment or another amount is someone else's operation.
 * - A reversal or close shows on the original payment's row: `cancel` 1 or 2 once it took
 *   effect (`Decisions.cancellationShowsOnPayment`); a paid payment means it did not.
 *
 * @internal
 */
import * as Decisions from "../Decisions.js"
import type { CancelHandle, Handle, RefundHandle } from "../Handle.js"
import type * as Request from "../Request.js"
import { Cancel, isPaymentRow, isRefundRow, type QueryRow } from "../Response.js"
import * as ResponseCode from "../ResponseCode.js"

/** @internal */
export type Observation =
  | { readonly _tag: "Settled"; readonly row: QueryRow }
  | { readonly _tag: "Pending"; readonly code: string; readonly row: QueryRow }
  | { readonly _tag: "Failed"; readonly code: string; readonly row: QueryRow; readonly detail?: string | undefined }
  /** Not visible: a refund without a row; a cancellation whose payment is not cancelled (yet). */
  | { readonly _tag: "Absent"; readonly row: QueryRow | undefined }
  /** The operation's own id names some other operation. */
  | { readonly _tag: "Conflict"; readonly row: QueryRow }

const byClass = (row: QueryRow): Observation => {
  switch (ResponseCode.classify(row.respcd)) {
    case "success":
      return { _tag: "Settled", row }
    case "pending":
      return { _tag: "Pending", code: row.respcd, row }
    default:
      return { _tag: "Failed", code: row.respcd, row }
  }
}

/** @internal */
export const observeRefund = (handle: RefundHandle, rows: ReadonlyArray<QueryRow>): Observation => {
  const row = rows.find((r) => r.out_trade_no === handle.out_trade_no) ??
    (handle.refund_syssn === undefined ? undefined : rows.find((r) => r.syssn === handle.refund_syssn))
  if (row === undefined) return { _tag: "Absent", row: undefined }
  // Fields an odd enquiry leaves out cannot contradict; fields it gives must match.
  const someoneElses = !isRefundRow(row) ||
    (row.origssn !== undefined && row.origssn !== handle.syssn) ||
    (row.txamt !== undefined && row.txamt !== handle.txamt)
  return someoneElses ? { _tag: "Conflict", row } : byClass(row)
}

const cancelledCodes: ReadonlyArray<string> = Decisions.alreadyCancelledCodes

/** @internal */
export const observeCancel = (handle: CancelHandle, rows: ReadonlyArray<QueryRow>): Observation => {
  const payments = rows.filter(isPaymentRow)
  const row = (handle.syssn !== undefined ? payments.find((r) => r.syssn === handle.syssn) : undefined) ??
    (handle.out_trade_no !== undefined ? payments.find((r) => r.out_trade_no === handle.out_trade_no) : undefined)
  if (row === undefined) return { _tag: "Absent", row: undefined }
  const cancel = row.cancel ?? Cancel.none
  if (cancel === Cancel.cpmReversed || cancel === Cancel.mpmCancelled || cancelledCodes.includes(row.respcd)) {
    return { _tag: "Settled", row }
  }
  switch (ResponseCode.classify(row.respcd)) {
    case "success":
      // The customer paid: a reversal or close can no longer apply; a refund is needed.
      return { _tag: "Failed", code: "1260", row, detail: "the payment completed; refund it instead" }
    case "pending":
      return { _tag: "Absent", row }
    default:
      return { _tag: "Failed", code: row.respcd, row, detail: "the payment itself failed; nothing to cancel" }
  }
}

/** @internal */
export const observe = (handle: Handle, rows: ReadonlyArray<QueryRow>): Observation =>
  handle._tag === "RefundHandle" ? observeRefund(handle, rows) : observeCancel(handle, rows)

/**
 * The enquiry that finds an operation: a refund by its own `out_trade_no`, a reversal or
 * close by the original payment.
 *
 * @internal
 */
export const queryFor = (handle: Handle): Request.QueryInput =>
  handle._tag === "RefundHandle"
    ? { out_trade_no: [handle.out_trade_no], page_size: 100 }
    : handle.syssn !== undefined
    ? { syssn: [handle.syssn], page_size: 100 }
    : { out_trade_no: [handle.out_trade_no!], page_size: 100 }

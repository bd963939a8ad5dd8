/**
 * What the transaction enquiry says about one of our operations.
 *
 * - A refund is its own row, found by its own `out_trade_no`.
 * - A reversal or close shows on the original payment's row: `cancel` 1 or 2 once it took
 *   effect (see `Decisions`); a paid payment means it did not.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Decisions from "../Decisions.js"
import { type CancelHandle, type Handle, operation as operationOf, type RefundHandle } from "../Handle.js"
import type { QFPayConfig } from "../QFPayConfig.js"
import { type InvalidRequest, Rejected } from "../QFPayError.js"
import * as Query from "../Query.js"
import type * as Request from "../Request.js"
import { Cancel, isPaymentRow, isRefundRow, type QueryRow } from "../Response.js"
import * as ResponseCode from "../ResponseCode.js"
import type * as Submit from "../Submit.js"
import type { Transport } from "../Transport.js"
import type { SendError } from "./engine.js"

/** @internal */
export type Observation =
  | { readonly _tag: "Settled"; readonly row: QueryRow }
  | { readonly _tag: "Pending"; readonly code: string; readonly row: QueryRow }
  | { readonly _tag: "Failed"; readonly code: string; readonly row: QueryRow | undefined; readonly detail?: string }
  /** Not visible: a refund without a row; a cancellation whose payment is still unpaid. */
  | { readonly _tag: "Absent"; readonly code: string | undefined; readonly row: QueryRow | undefined }
  /** The refund's `out_trade_no` names some other transaction. */
  | { readonly _tag: "Conflict"; readonly row: QueryRow }

/** @internal */
export const observeRefund = (handle: RefundHandle, rows: ReadonlyArray<QueryRow>): Observation => {
  const row = rows.find((r) => r.out_trade_no === handle.out_trade_no) ??
    (handle.refund_syssn === undefined ? undefined : rows.find((r) => r.syssn === handle.refund_syssn))
  if (row === undefined) return { _tag: "Absent", code: undefined, row: undefined }
  const mismatch = !isRefundRow(row) ||
    (row.origssn !== undefined && row.origssn !== handle.syssn) ||
    (row.txamt !== undefined && row.txamt !== handle.txamt)
  if (mismatch) return { _tag: "Conflict", row }
  switch (ResponseCode.classify(row.respcd)) {
    case "success":
      return { _tag: "Settled", row }
    case "pending":
      return { _tag: "Pending", code: row.respcd, row }
    default:
      return { _tag: "Failed", code: row.respcd, row }
  }
}

const cancelledCodes: ReadonlyArray<string> = Decisions.alreadyCancelledCodes

/** @internal */
export const observeCancel = (handle: CancelHandle, rows: ReadonlyArray<QueryRow>): Observation => {
  const candidates = rows.filter(isPaymentRow)
  const row = (handle.syssn !== undefined ? candidates.find((r) => r.syssn === handle.syssn) : undefined) ??
    (handle.out_trade_no !== undefined ? candidates.find((r) => r.out_trade_no === handle.out_trade_no) : undefined)
  if (row === undefined) return { _tag: "Failed", code: "1268", row: undefined }
  const cancel = row.cancel ?? Cancel.none
  if (cancel === Cancel.cpmReversed || cancel === Cancel.mpmCancelled || cancelledCodes.includes(row.respcd)) {
    return { _tag: "Settled", row }
  }
  switch (ResponseCode.classify(row.respcd)) {
    case "success":
      // The customer paid: a reversal or close can no longer apply; a refund is needed.
      return { _tag: "Failed", code: "1260", row, detail: "the payment completed; refund it instead" }
    case "pending":
      return { _tag: "Absent", code: row.respcd, row }
    default:
      return { _tag: "Failed", code: row.respcd, row, detail: "the payment itself failed; nothing to cancel" }
  }
}

/**
 * The enquiry that finds an operation: a refund by its own `out_trade_no`, a reversal or
 * close by the original payment.
 *
 * @internal
 */
export const queryFor = (handle: Handle): Submit.QueryInput =>
  handle._tag === "RefundHandle"
    ? { out_trade_no: [handle.out_trade_no], page_size: 100 }
    : handle.syssn !== undefined
    ? { syssn: [handle.syssn], page_size: 100 }
    : { out_trade_no: [handle.out_trade_no!], page_size: 100 }

/**
 * One enquiry about an operation.
 *
 * @internal
 */
export const observe = (
  handle: Handle
): Effect.Effect<Observation, SendError | InvalidRequest | Rejected, QFPayConfig | Transport> =>
  Effect.map(
    Query.queryTyped(queryFor(handle) as Request.QueryRequest),
    ({ rows }) => handle._tag === "RefundHandle" ? observeRefund(handle, rows) : observeCancel(handle, rows)
  )

/** @internal */
export const conflictError = (handle: Handle, row: QueryRow): Rejected =>
  Rejected.fromCode({
    endpoint: operationOf(handle),
    code: "1102",
    resperr: `out_trade_no ${row.out_trade_no ?? ""} already names another transaction (syssn ${row.syssn})`,
    handle
  })

/** @internal */
export const failedError = (handle: Handle, observation: Extract<Observation, { _tag: "Failed" }>): Rejected =>
  Rejected.fromCode({
    endpoint: operationOf(handle),
    code: observation.code,
    resperr: observation.detail ?? observation.row?.errmsg,
    handle
  })

/**
 * Receipts from a submit answer or from an enquiry row.
 *
 * @internal
 */
import type { Handle } from "../Handle.js"
import type { Syssn } from "../Identifiers.js"
import type { Receipt } from "../Receipt.js"
import type { OperationSummary, QueryRow } from "../Response.js"

/** @internal */
export interface Counters {
  attempts: number
  enquiries: number
}

type ConfirmedBy = Receipt["confirmed_by"]

/** @internal */
export const withNewSyssn = (handle: Handle, syssn: Syssn | undefined): Handle => {
  if (syssn === undefined) return handle
  return handle._tag === "RefundHandle" ? { ...handle, refund_syssn: syssn } : { ...handle, cancel_syssn: syssn }
}

/** @internal */
export const fromResponse = (
  handle: Handle,
  response: OperationSummary | undefined,
  counters: Counters,
  confirmedBy: ConfirmedBy
): Receipt =>
  handle._tag === "RefundHandle"
    ? ({
      operation: "refund",
      syssn: response?.syssn ?? handle.refund_syssn,
      orig_syssn: response?.orig_syssn ?? handle.syssn,
      out_trade_no: response?.out_trade_no ?? handle.out_trade_no,
      txamt: response?.txamt ?? handle.txamt,
      txcurrcd: response?.txcurrcd,
      txdtm: response?.txdtm ?? handle.txdtm,
      sysdtm: response?.sysdtm,
      respcd: "0000",
      confirmed_by: confirmedBy,
      attempts: counters.attempts,
      enquiries: counters.enquiries
    })
    : ({
      operation: handle.operation,
      syssn: response?.syssn ?? handle.cancel_syssn,
      orig_syssn: response?.orig_syssn ?? handle.syssn,
      out_trade_no: response?.out_trade_no ?? handle.out_trade_no,
      txamt: response?.txamt ?? handle.txamt,
      txcurrcd: response?.txcurrcd,
      txdtm: response?.txdtm ?? handle.txdtm,
      sysdtm: response?.sysdtm,
      respcd: "0000",
      confirmed_by: confirmedBy,
      attempts: counters.attempts,
      enquiries: counters.enquiries
    })

/** @internal */
export const fromRow = (
  handle: Handle,
  row: QueryRow,
  counters: Counters,
  response?: OperationSummary
): Receipt =>
  handle._tag === "RefundHandle"
    ? ({
      operation: "refund",
      syssn: row.syssn,
      orig_syssn: row.origssn ?? handle.syssn,
      out_trade_no: handle.out_trade_no,
      txamt: row.txamt ?? handle.txamt,
      txcurrcd: row.txcurrcd ?? response?.txcurrcd,
      txdtm: row.txdtm ?? handle.txdtm,
      sysdtm: row.sysdtm ?? response?.sysdtm,
      respcd: "0000",
      confirmed_by: "enquiry",
      attempts: counters.attempts,
      enquiries: counters.enquiries
    })
    : ({
      operation: handle.operation,
      syssn: response?.syssn ?? handle.cancel_syssn,
      orig_syssn: row.syssn,
      out_trade_no: row.out_trade_no ?? handle.out_trade_no,
      txamt: handle.txamt,
      txcurrcd: row.txcurrcd ?? response?.txcurrcd,
      txdtm: handle.txdtm,
      sysdtm: response?.sysdtm,
      respcd: "0000",
      confirmed_by: "enquiry",
      attempts: counters.attempts,
      enquiries: counters.enquiries
    })

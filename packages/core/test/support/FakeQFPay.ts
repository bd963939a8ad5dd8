/**
 * A small scripted QFPay for core's own tests: payments, refunds and cancellations with the
 * rules the programs depend on, signature checks, a request log stamped with `Clock` time,
 * and faults consumed in order. The full simulator lives in @effect-qfpay/testing.
 */
import { Endpoint, QFPayConfig, QFPayError, Signature, Transport } from "@effect-qfpay/core"
import { Clock, Effect, Layer } from "effect"

export const APP_CODE = "TESTAPPCODE"
export const CLIENT_KEY = "TEST-CLIENT-KEY-1234567890"

export interface Payment {
  syssn: string
  out_trade_no: string
  txamt: number
  pay_type: string
  txdtm: string
  respcd: string
  cancel: number
}

interface RefundRow {
  syssn: string
  out_trade_no: string
  origssn: string
  txamt: number
  txdtm: string
  respcd: string
  settlesAfter: number
}

export type Fault =
  | { readonly _tag: "LostBefore" }
  | { readonly _tag: "LostAfter" }
  | { readonly _tag: "Status"; readonly status: number; readonly headers?: Record<string, string> }
  | { readonly _tag: "Body"; readonly body: string; readonly apply: boolean }
  | { readonly _tag: "Code"; readonly code: string }
  /** The real answer, with a response signature that does not verify. */
  | { readonly _tag: "BadSignature" }

export interface LogEntry {
  readonly at: number
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly signatureOk: boolean
}

export class FakeQFPay {
  payments = new Map<string, Payment>()
  refunds: Array<RefundRow> = []
  log: Array<LogEntry> = []
  faults: Array<{ path: string; fault: Fault }> = []
  /** Enquiries a new refund stays "in progress" for (0: settles at once). */
  refundSettlesAfter = 0
  /** Enquiries a cancellation stays "in progress" for. */
  cancelSettlesAfter = 0
  /** The pending code answered while in progress. */
  pendingCode = "1145"
  /** When set, a pending refund ends with this code instead of 0000. */
  refundFailsWith: string | undefined = undefined
  private seq = 0
  private pendingCancels = new Map<string, { settlesAfter: number; cancel: number }>()

  addPayment(p: Partial<Payment> & { txamt: number }): Payment {
    this.seq++
    const payment: Payment = {
      syssn: p.syssn ?? `2019122700020002${String(this.seq).padStart(10, "0")}`,
      out_trade_no: p.out_trade_no ?? `PAY${this.seq}`,
      txamt: p.txamt,
      pay_type: p.pay_type ?? "800101",
      txdtm: p.txdtm ?? "2019-12-27 10:39:39",
      respcd: p.respcd ?? "0000",
      cancel: p.cancel ?? 0
    }
    this.payments.set(payment.syssn, payment)
    return payment
  }

  fault(path: string, ...faults: ReadonlyArray<Fault>): this {
    for (const fault of faults) this.faults.push({ path, fault })
    return this
  }

  requests(path: string): ReadonlyArray<LogEntry> {
    return this.log.filter((e) => e.path === path)
  }

  refundsOf(syssn: string): ReadonlyArray<RefundRow> {
    return this.refunds.filter((r) => r.origssn === syssn)
  }

  private newSyssn(): string {
    this.seq++
    return `2019122700030003${String(this.seq).padStart(10, "0")}`
  }

  private takeFault(path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.path === path)
    if (i < 0) return undefined
    return this.faults.splice(i, 1)[0].fault
  }

  private refund(p: Record<string, string>): Record<string, unknown> {
    const payment = this.payments.get(p.syssn)
    if (payment === undefined) return { respcd: "1268", resperr: "order does not exist" }
    if (payment.respcd !== "0000") return { respcd: "1261", resperr: "not paid" }
    if (this.refunds.some((r) => r.out_trade_no === p.out_trade_no)) return { respcd: "1102", resperr: "duplicate" }
    const used = this.refundsOf(payment.syssn).filter((r) => r.respcd === "0000" || r.settlesAfter > 0)
      .reduce((sum, r) => sum + r.txamt, 0)
    const txamt = Number(p.txamt)
    if (used + txamt > payment.txamt) return { respcd: "1272", resperr: "exceeds refundable amount" }
    const pending = this.refundSettlesAfter > 0
    const row: RefundRow = {
      syssn: this.newSyssn(),
      out_trade_no: p.out_trade_no,
      origssn: payment.syssn,
      txamt,
      txdtm: p.txdtm,
      respcd: pending ? this.pendingCode : "0000",
      settlesAfter: this.refundSettlesAfter
    }
    this.refunds.push(row)
    if (!pending) this.settleRefund(row)
    return {
      respcd: row.respcd,
      resperr: pending ? "processing" : "success",
      respmsg: "",
      syssn: row.syssn,
      orig_syssn: payment.syssn,
      out_trade_no: row.out_trade_no,
      txamt: String(txamt),
      txcurrcd: "HKD",
      txdtm: row.txdtm,
      sysdtm: "2019-12-27 11:11:23"
    }
  }

  private settleRefund(row: RefundRow) {
    const payment = this.payments.get(row.origssn)!
    const total = this.refundsOf(payment.syssn).filter((r) => r.respcd === "0000").reduce((s, r) => s + r.txamt, 0)
    payment.cancel = total >= payment.txamt ? 3 : 5
  }

  private cancel(op: "reversal" | "close", p: Record<string, string>): Record<string, unknown> {
    const payment = [...this.payments.values()].find((x) =>
      p.syssn !== undefined ? x.syssn === p.syssn : x.out_trade_no === p.out_trade_no
    )
    if (payment === undefined) return { respcd: "1268" }
    if (Number(p.txamt) !== payment.txamt) return { respcd: "1266" }
    if (payment.respcd === "0000" && payment.cancel === 0) return { respcd: "1260" }
    if (payment.cancel === 1 || payment.cancel === 2) return { respcd: op === "reversal" ? "1263" : "1264" }
    const cancel = payment.pay_type.endsWith("08") ? 1 : 2
    const syssn = this.newSyssn()
    if (this.cancelSettlesAfter > 0) {
      this.pendingCancels.set(payment.syssn, { settlesAfter: this.cancelSettlesAfter, cancel })
      return { respcd: this.pendingCode, syssn, orig_syssn: payment.syssn, txamt: String(payment.txamt) }
    }
    payment.cancel = cancel
    return { respcd: "0000", syssn, orig_syssn: payment.syssn, txamt: String(payment.txamt), txcurrcd: "HKD" }
  }

  private query(p: Record<string, string>): Record<string, unknown> {
    const syssns = p.syssn?.split(",") ?? []
    const outs = p.out_trade_no?.split(",") ?? []
    // Every enquiry moves pending operations one step towards settlement.
    for (const row of this.refunds) {
      if (row.settlesAfter > 0 && --row.settlesAfter === 0) {
        row.respcd = this.refundFailsWith ?? "0000"
        if (row.respcd === "0000") this.settleRefund(row)
      }
    }
    for (const [syssn, pending] of this.pendingCancels) {
      if (--pending.settlesAfter === 0) {
        this.payments.get(syssn)!.cancel = pending.cancel
        this.pendingCancels.delete(syssn)
      }
    }
    const rows: Array<Record<string, unknown>> = []
    for (const x of this.payments.values()) {
      if (syssns.includes(x.syssn) || outs.includes(x.out_trade_no)) {
        rows.push({ ...x, txamt: String(x.txamt), cancel: String(x.cancel), order_type: "payment", txcurrcd: "HKD" })
      }
    }
    for (const r of this.refunds) {
      if (syssns.includes(r.syssn) || outs.includes(r.out_trade_no)) {
        rows.push({
          syssn: r.syssn,
          out_trade_no: r.out_trade_no,
          origssn: r.origssn,
          txamt: String(r.txamt),
          respcd: r.respcd,
          order_type: "refund",
          txdtm: r.txdtm,
          txcurrcd: "HKD",
          cancel: "0"
        })
      }
    }
    const page = Number(p.page ?? "1")
    const size = Number(p.page_size ?? "10")
    return {
      respcd: "0000",
      resperr: "success",
      page: String(page),
      page_size: String(size),
      data: rows.slice((page - 1) * size, page * size)
    }
  }

  private answer(path: string, params: Record<string, string>): Record<string, unknown> {
    switch (path) {
      case Endpoint.refund.path:
        return this.refund(params)
      case Endpoint.reversal.path:
        return this.cancel("reversal", params)
      case Endpoint.close.path:
        return this.cancel("close", params)
      case Endpoint.query.path:
        return this.query(params)
      default:
        return { respcd: "1104" }
    }
  }

  readonly transport: Transport.Service = Transport.make((request) =>
    Effect.gen(this, function*() {
      const at = yield* Clock.currentTimeMillis
      const path = request.endpoint.path
      const params = { ...request.params }
      const signatureOk = request.headers["X-QF-APPCODE"] === APP_CODE &&
        Signature.verify(params, request.headers["X-QF-SIGN"] ?? "", CLIENT_KEY)
      this.log.push({ at, path, params, signatureOk })
      const json = (body: unknown, status = 200) => ({ status, headers: {}, body: JSON.stringify(body) })
      if (!signatureOk) return json({ respcd: "1108", resperr: "signature error" })
      const fault = this.takeFault(path)
      const lost = (ambiguous: boolean) =>
        new QFPayError.TransportError({
          endpoint: request.endpoint.operation,
          reason: ambiguous ? "Timeout" : "Connect",
          ambiguous,
          detail: ambiguous ? "no answer in time" : "connection refused"
        })
      if (fault === undefined) return json(this.answer(path, params))
      switch (fault._tag) {
        case "LostBefore":
          return yield* Effect.fail(lost(false))
        case "LostAfter":
          this.answer(path, params)
          return yield* Effect.fail(lost(true))
        case "Status":
          return { status: fault.status, headers: fault.headers ?? {}, body: "busy" }
        case "Body":
          if (fault.apply) this.answer(path, params)
          return { status: 200, headers: {}, body: fault.body }
        case "Code":
          return json({ respcd: fault.code, resperr: "scripted" })
        case "BadSignature":
          return {
            status: 200,
            headers: { "x-qf-sign": "0".repeat(32) },
            body: JSON.stringify(this.answer(path, params))
          }
      }
    })
  )

  layer(options: Partial<QFPayConfig.Options> = {}): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig> {
    return Layer.merge(
      Layer.succeed(Transport.Transport, this.transport),
      QFPayConfig.layer({ appCode: APP_CODE, clientKey: CLIENT_KEY, ...options })
    ).pipe(Layer.orDie)
  }
}

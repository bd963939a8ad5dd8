/**
 * The simulated QFPay's state and rules, as plain synchronous code: every request is applied
 * in one step, so concurrent requests never interleave inside a rule. `Simulator` wraps it in
 * Effect (time from `Clock`, faults, latency).
 *
 * @since 0.1.0
 */
import type { Endpoint } from "@effect-qfpay/core"
import { CancelRouting, PayType, Request, Response, ResponseCode, Signature, TxDateTime } from "@effect-qfpay/core"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Behaviour from "./Behaviour.js"
import { jsonAnswer } from "./internal/answer.js"
import { Heap } from "./internal/heap.js"

/**
 * An app code with its client key, and the merchant id when one was issued.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credential {
  readonly appCode: string
  readonly clientKey: string
  readonly mchid?: string | undefined
}

/**
 * The rules whose real behaviour is uncertain, switchable. Defaults are the documented ones.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rules {
  /** Refuse (1250) a reversal / close of a pay type outside that operation's set. Default true. */
  readonly enforceRouting: boolean
  readonly routing: CancelRouting.CancelRouting
  /** Refuse refunds (1265) between 23:30 and 00:30 local time. Default false. */
  readonly refundBlackout: boolean
  /** Pay types that take no refunds at all (1155). Default: FPS (802001). */
  readonly noRefundPayTypes: ReadonlyArray<string>
  /** Pay types that refuse partial refunds (1271). Default none. */
  readonly noPartialRefundPayTypes: ReadonlyArray<string>
  /** Currencies that refuse partial refunds (1270). Default none. */
  readonly noPartialRefundCurrencies: ReadonlyArray<string>
  /** The merchant's zone, for `sysdtm` and the blackout. Default Asia/Hong_Kong. */
  readonly timeZone: string
}

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultRules: Rules = {
  enforceRouting: true,
  routing: CancelRouting.defaultRouting,
  refundBlackout: false,
  noRefundPayTypes: PayType.catalogue.filter((info) => !info.refundable).map((info) => info.code),
  noPartialRefundPayTypes: [],
  noPartialRefundCurrencies: [],
  timeZone: "Asia/Hong_Kong"
}

interface PendingState {
  readonly settles: Behaviour.Settlement
  readonly since: number
  enquiries: number
  readonly failWith: string | undefined
}

interface Cancellation {
  readonly operation: "reversal" | "close"
  readonly syssn: string
  readonly requestedAt: number
  respcd: string
  pending: PendingState | undefined
}

interface Txn {
  readonly kind: "payment" | "refund"
  readonly syssn: string
  readonly out_trade_no: string
  readonly origssn: string | undefined
  readonly pay_type: string
  readonly txamt: number
  readonly txcurrcd: string
  readonly txdtm: string
  readonly sysdtm: string
  paydtm: string | undefined
  respcd: string
  cancel: number
  cancelledBy: "reversal" | "close" | undefined
  pending: PendingState | undefined
  cancellation: Cancellation | undefined
  refundedSettled: number
  refundedPending: number
}

/**
 * A transaction as a test reads it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transaction {
  readonly kind: "payment" | "refund"
  readonly syssn: string
  readonly out_trade_no: string
  /** Refunds: the payment refunded. */
  readonly origssn: string | undefined
  readonly pay_type: string
  readonly txamt: number
  readonly txcurrcd: string
  readonly txdtm: string
  readonly sysdtm: string
  readonly paydtm: string | undefined
  readonly respcd: string
  readonly cancel: number
  /** Payments: how they were cancelled. */
  readonly cancelledBy: "reversal" | "close" | undefined
  /** Payments: the new transaction number of their reversal / close, once accepted. */
  readonly cancelSyssn: string | undefined
  /** Payments: the sum of settled refunds. */
  readonly refunded: number
  /** Payments: the sum of refunds still in progress. */
  readonly refundPending: number
}

/**
 * A request as the server receives it: method, path, the decoded parameters (form body or
 * query string) and the headers (names in lower case).
 *
 * @since 0.1.0
 * @category models
 */
export interface WireRequest {
  readonly method: string
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  /** Over HTTP: the raw body (POST) or query string (GET), as received. */
  readonly raw?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WireAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** The body as sent over HTTP. For a JSON answer built in memory, written when first read. */
  readonly body: string
  /**
   * A JSON answer as the object the simulator built (`body` is its text): the in-memory
   * transport hands it to the client as is, with no text in between. Absent when the body is
   * not that object's text (a fault's broken body, HTML, plain text).
   *
   * @since 0.2.0
   */
  readonly json?: Readonly<Record<string, unknown>> | undefined
}

/**
 * A line of the request log.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogEntry {
  readonly index: number
  readonly at: number
  readonly method: string
  readonly path: string
  readonly operation: Endpoint.Operation | undefined
  /** The decoded parameters: never a key (the key is not a parameter). */
  readonly params: Readonly<Record<string, string>>
  /** Over HTTP: the `content-type` header and the raw body or query string. */
  readonly contentType: string | undefined
  readonly raw: string | undefined
  readonly appCode: string | undefined
  /** The `X-QF-SIGN` and `X-QF-SIGNTYPE` received (a signature is not a secret; the key is). */
  readonly signature: string | undefined
  readonly signType: string | undefined
  readonly signatureOk: boolean
  /** The answer's respcd, when a QFPay answer was produced. */
  readonly respcd: string | undefined
  /** The fault met, if any. */
  readonly fault: string | undefined
  /** Whether the request changed state. */
  readonly applied: boolean
}

/**
 * An operation in progress: what `settle` can end now. A payment whose cancellation is in
 * progress shows as that cancellation (settling the payment settles it).
 *
 * @since 0.3.0
 * @category models
 */
export interface InProgress {
  readonly operation: "payment" | "refund" | "reversal" | "close"
  /** What to settle: the transaction's own `syssn`, the payment's for a cancellation. */
  readonly id: string
  /** The operation's own transaction number (a cancellation's differs from its payment's). */
  readonly syssn: string
  readonly out_trade_no: string
  readonly txamt: number
  readonly txcurrcd: string
  /** The pending code it answered: 1143, 1145 or 1298. */
  readonly respcd: string
  /** When it started, epoch milliseconds. */
  readonly since: number
  /** How it settles by itself: after enquiries, after time, or never (only by `settle`). */
  readonly settles: Behaviour.Settlement
}

/**
 * How a new payment starts.
 *
 * @since 0.1.0
 * @category models
 */
export type PaymentState =
  | { readonly _tag: "Paid" }
  | {
    readonly _tag: "Pending"
    readonly code?: Behaviour.PendingCode | undefined
    readonly settles?: Behaviour.Settlement | undefined
  }
  | { readonly _tag: "Failed"; readonly code: string }

/**
 * The payment states by name, as the sandbox's HTTP route takes them: `"pending"` is
 * `{ _tag: "Pending" }` (code 1143, settled only by `settle`) and `"failed"` is
 * `{ _tag: "Failed", code: "1205" }`.
 *
 * @since 0.2.0
 * @category models
 */
export type PaymentStateName = "paid" | "pending" | "failed"

const byName: { readonly [name in PaymentStateName]: PaymentState } = {
  paid: { _tag: "Paid" },
  pending: { _tag: "Pending" },
  failed: { _tag: "Failed", code: "1205" }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NewPayment {
  readonly txamt: number
  readonly pay_type?: string | undefined
  readonly txcurrcd?: string | undefined
  readonly out_trade_no?: string | undefined
  readonly txdtm?: string | undefined
  /** Paid by default. A name (`"pending"`) or the tagged form (`{ _tag: "Pending", code: "1145" }`). */
  readonly state?: PaymentState | PaymentStateName | undefined
}

const codeAnswer = (code: string, detail = "") => ({
  respcd: code,
  resperr: ResponseCode.meaning(code),
  respmsg: detail
})

/** What applying one request gives: the answer, its code, and whether it changed state. */
interface Reply {
  readonly answer: WireAnswer
  readonly respcd: string
  readonly applied: boolean
}

const reply = (body: { readonly respcd: string } & Readonly<Record<string, unknown>>, applied: boolean): Reply => ({
  answer: jsonAnswer(body),
  respcd: body.respcd,
  applied
})

const refused = (code: string, detail = ""): Reply => reply(codeAnswer(code, detail), false)

/** A state in progress that settles by time, due at `at`; stale once its state was replaced. */
interface TimedSettlement {
  readonly at: number
  readonly seq: number
  readonly txn: Txn
  /** The payment's cancellation in progress, rather than the transaction itself. */
  readonly cancellation: boolean
  readonly pending: PendingState
}

const decodeRefund = Schema.decodeUnknownEither(Request.RefundRequest)
const decodeReversal = Schema.decodeUnknownEither(Request.ReversalRequest)
const decodeClose = Schema.decodeUnknownEither(Request.CloseRequest)
const decodeQuery = Schema.decodeUnknownEither(Request.QueryRequest)
const decodePayment = Schema.decodeUnknownEither(Request.PaymentRequest, { errors: "all" })
const decodeTxDateTime = Schema.decodeUnknownEither(TxDateTime.TxDateTime)

const firstIssue = (error: ParseResult.ParseError): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  return issue === undefined ? "bad parameter" : `${issue.path.join(".")}: ${issue.message}`
}

/**
 * The simulated server.
 *
 * @since 0.1.0
 * @category models
 */
export class Model {
  /**
   * The rules QFPay applies (routing, refund limits, time zone); the simulator changes them.
   *
   * @since 0.1.0
   */
  rules: Rules
  /**
   * How payments and operations are answered; the simulator changes it.
   *
   * @since 0.1.0
   */
  policy: Behaviour.Policy
  private readonly credentials: ReadonlyMap<string, Credential>
  private readonly bySyssn = new Map<string, Txn>()
  private readonly byOutTradeNo = new Map<string, Txn>()
  private readonly refundsByPayment = new Map<string, Array<Txn>>()
  private readonly order: Array<Txn> = []
  /** What settles by time, by when it is due: a request looks only at what is due. */
  private readonly timed = new Heap<TimedSettlement>()
  private timedSeq = 0
  /**
   * The last requests, oldest first: at least `logLimit` of them (trimmed in batches).
   *
   * @since 0.1.0
   */
  readonly log: Array<LogEntry> = []
  /**
   * How many entries the request log keeps.
   *
   * @since 0.1.0
   */
  readonly logLimit: number
  private requests = 0
  private sequence = 0
  private readonly node: string

  constructor(options: {
    readonly credentials: ReadonlyArray<Credential>
    readonly rules?: Partial<Rules> | undefined
    readonly policy?: Behaviour.Policy | undefined
    /** Distinguishes the transaction numbers of several simulators. Default 0. */
    readonly node?: number | undefined
    /** How many entries the request log keeps. Default: all. */
    readonly logLimit?: number | undefined
  }) {
    this.credentials = new Map(options.credentials.map((c) => [c.appCode, c]))
    this.rules = { ...defaultRules, ...options.rules }
    this.policy = options.policy ?? Behaviour.alwaysSucceed
    this.node = String((options.node ?? 0) % 10000).padStart(4, "0")
    this.logLimit = options.logLimit ?? Infinity
  }

  // ---------------------------------------------------------------------------------------
  // time and identifiers

  private lastLocal = { at: Number.NaN, zone: "", text: "" }

  /** @internal */
  private local(now: number): string {
    // A request asks for the same instant several times (sysdtm, paydtm, the new syssn).
    const last = this.lastLocal
    if (last.at === now && last.zone === this.rules.timeZone) return last.text
    const text = TxDateTime.fromDateTime(DateTime.unsafeMake(now), this.rules.timeZone)
    this.lastLocal = { at: now, zone: this.rules.timeZone, text }
    return text
  }

  /**
   * 26 digits: the local date, a node number, a sequence. Unique per simulator.
   *
   * @internal
   */
  private newSyssn(now: number): string {
    this.sequence++
    return `${this.local(now).slice(0, 10).replaceAll("-", "")}${this.node}${String(this.sequence).padStart(14, "0")}`
  }

  // ---------------------------------------------------------------------------------------
  // settlement

  /** @internal */
  private due(p: PendingState, now: number): boolean {
    switch (p.settles._tag) {
      case "AfterMillis":
        return now - p.since >= p.settles.millis
      case "AfterEnquiries":
        return p.enquiries >= p.settles.count
      case "Never":
        return false
    }
  }

  /** @internal */
  private settleTxn(txn: Txn, now: number): void {
    const p = txn.pending!
    txn.pending = undefined
    if (txn.kind === "payment") {
      if (p.failWith === undefined) {
        txn.respcd = "0000"
        txn.paydtm = this.local(now)
      } else {
        txn.respcd = p.failWith
      }
      return
    }
    const payment = this.bySyssn.get(txn.origssn!)!
    payment.refundedPending -= txn.txamt
    if (p.failWith === undefined) {
      txn.respcd = "0000"
      txn.paydtm = this.local(now)
      this.creditRefund(payment, txn.txamt)
    } else {
      txn.respcd = p.failWith
    }
  }

  /** @internal */
  private settleCancellation(payment: Txn, now: number): void {
    const c = payment.cancellation!
    const p = c.pending!
    c.pending = undefined
    if (p.failWith === undefined) {
      c.respcd = "0000"
      this.applyCancel(payment, c.operation)
    } else {
      // The customer paid before the cancellation took: the payment completed.
      c.respcd = "1260"
      payment.pending = undefined
      payment.respcd = "0000"
      payment.paydtm = this.local(now)
    }
  }

  /** @internal */
  private applyCancel(payment: Txn, operation: "reversal" | "close"): void {
    const mode = PayType.lookup(payment.pay_type)
    payment.cancel = mode._tag === "Some" && mode.value.mode === "CPM"
      ? Response.Cancel.cpmReversed
      : Response.Cancel.mpmCancelled
    payment.cancelledBy = operation
    if (payment.pending !== undefined) {
      // A cancelled payment will not complete.
      payment.pending = undefined
    }
  }

  /** @internal */
  private creditRefund(payment: Txn, amount: number): void {
    payment.refundedSettled += amount
    payment.cancel = payment.refundedSettled >= payment.txamt
      ? Response.Cancel.refunded
      : Response.Cancel.partiallyRefunded
  }

  /**
   * Keeps a state in progress that settles by time, to settle it when it is due.
   *
   * @internal
   */
  private track(txn: Txn, cancellation: boolean, pending: PendingState | undefined): void {
    if (pending === undefined || pending.settles._tag !== "AfterMillis") return
    this.timed.push({ at: pending.since + pending.settles.millis, seq: this.timedSeq++, txn, cancellation, pending })
  }

  /**
   * Settles whatever is due by time: only what is due is looked at.
   *
   * @internal
   */
  private tick(now: number): void {
    const timed = this.timed
    for (let next = timed.peek(); next !== undefined && this.due(next.pending, now); next = timed.peek()) {
      timed.pop()
      const txn = next.txn
      if (next.cancellation) {
        // Still the same cancellation in progress (not settled, not replaced)?
        if (txn.cancellation?.pending === next.pending) this.settleCancellation(txn, now)
      } else if (txn.pending === next.pending) {
        // A cancellation in progress that settles by time settles the payment with it: until
        // then the payment waits.
        const c = txn.cancellation?.pending
        if (c === undefined || c.settles._tag !== "AfterMillis") this.settleTxn(txn, now)
      }
    }
  }

  /**
   * An enquiry showed this transaction: count it, and settle what is due.
   *
   * @internal
   */
  private enquired(txn: Txn, now: number): void {
    if (txn.cancellation?.pending !== undefined) {
      txn.cancellation.pending.enquiries++
      if (this.due(txn.cancellation.pending, now)) this.settleCancellation(txn, now)
      return
    }
    if (txn.pending !== undefined) {
      txn.pending.enquiries++
      if (this.due(txn.pending, now)) this.settleTxn(txn, now)
    }
  }

  /** @internal */
  private pendingFrom(outcome: Extract<Behaviour.Outcome, { _tag: "Pending" }>, now: number): PendingState {
    return { settles: outcome.settles, since: now, enquiries: 0, failWith: outcome.failWith }
  }

  // ---------------------------------------------------------------------------------------
  // direct access (tests, admin routes)

  /**
   * Creates a payment directly, in the given state (paid by default).
   *
   * @since 0.1.0
   */
  createPayment(input: NewPayment, now: number): Either.Either<Transaction, string> {
    const txamt = input.txamt
    if (!Number.isSafeInteger(txamt) || txamt < 1 || txamt > 99_999_999_999) {
      return Either.left(`txamt: expected a positive whole number of cents, got ${txamt}`)
    }
    const pay_type = input.pay_type ?? "800101"
    if (!/^\d{6}$/.test(pay_type)) return Either.left(`pay_type: expected a six-digit pay type code, got ${pay_type}`)
    const txcurrcd = input.txcurrcd ?? "HKD"
    if (!/^[A-Z]{3}$/.test(txcurrcd)) {
      return Either.left(`txcurrcd: expected a three-letter currency code, got ${txcurrcd}`)
    }
    const txdtm = input.txdtm ?? this.local(now)
    if (input.txdtm !== undefined && Either.isLeft(decodeTxDateTime(input.txdtm))) {
      return Either.left(`txdtm: expected YYYY-MM-DD hh:mm:ss, got ${input.txdtm}`)
    }
    const out_trade_no = input.out_trade_no ?? `SIM${this.sequence + 1}${String(now).slice(-6)}`
    if (this.byOutTradeNo.has(out_trade_no)) return Either.left(`out_trade_no ${out_trade_no} is already used`)
    const state = typeof input.state === "string" ? byName[input.state] : input.state ?? byName.paid
    const txn: Txn = {
      kind: "payment",
      syssn: this.newSyssn(now),
      out_trade_no,
      origssn: undefined,
      pay_type,
      txamt,
      txcurrcd,
      txdtm,
      sysdtm: this.local(now),
      paydtm: state._tag === "Paid" ? this.local(now) : undefined,
      respcd: state._tag === "Paid" ? "0000" : state._tag === "Failed" ? state.code : (state.code ?? "1143"),
      cancel: 0,
      cancelledBy: undefined,
      pending: state._tag === "Pending"
        ? { settles: state.settles ?? { _tag: "Never" }, since: now, enquiries: 0, failWith: undefined }
        : undefined,
      cancellation: undefined,
      refundedSettled: 0,
      refundedPending: 0
    }
    this.insert(txn)
    return Either.right(this.view(txn))
  }

  /** @internal */
  private insert(txn: Txn): void {
    this.bySyssn.set(txn.syssn, txn)
    this.byOutTradeNo.set(txn.out_trade_no, txn)
    this.order.push(txn)
    this.track(txn, false, txn.pending)
    if (txn.kind === "refund") {
      const list = this.refundsByPayment.get(txn.origssn!)
      if (list === undefined) this.refundsByPayment.set(txn.origssn!, [txn])
      else list.push(txn)
    }
  }

  /** @internal */
  private view(txn: Txn): Transaction {
    return {
      kind: txn.kind,
      syssn: txn.syssn,
      out_trade_no: txn.out_trade_no,
      origssn: txn.origssn,
      pay_type: txn.pay_type,
      txamt: txn.txamt,
      txcurrcd: txn.txcurrcd,
      txdtm: txn.txdtm,
      sysdtm: txn.sysdtm,
      paydtm: txn.paydtm,
      respcd: txn.respcd,
      cancel: txn.cancel,
      cancelledBy: txn.cancelledBy,
      cancelSyssn: txn.cancellation?.syssn,
      refunded: txn.refundedSettled,
      refundPending: txn.refundedPending
    }
  }

  /**
   * Settles an operation in progress now, however its behaviour said it would: a refund or a
   * payment by its `syssn` / `out_trade_no`, or the cancellation in progress on a payment.
   * `failWith` ends it with that code instead. Undefined when nothing is in progress there.
   *
   * @since 0.1.0
   */
  settleNow(id: string, failWith: string | undefined, now: number): Transaction | undefined {
    this.tick(now)
    const txn = this.bySyssn.get(id) ?? this.byOutTradeNo.get(id)
    if (txn === undefined) return undefined
    if (txn.cancellation?.pending !== undefined) {
      txn.cancellation.pending = {
        ...txn.cancellation.pending,
        failWith: failWith ?? txn.cancellation.pending.failWith
      }
      this.settleCancellation(txn, now)
      return this.view(txn)
    }
    if (txn.pending !== undefined) {
      txn.pending = { ...txn.pending, failWith }
      this.settleTxn(txn, now)
      return this.view(txn)
    }
    return undefined
  }

  /**
   * Every transaction, as of `now`.
   *
   * @since 0.1.0
   */
  transactions(now: number): ReadonlyArray<Transaction> {
    this.tick(now)
    return this.order.map((txn) => this.view(txn))
  }

  /**
   * The operations in progress as of `now`, in the order their transactions were made.
   *
   * @since 0.1.0
   */
  inProgress(now: number): ReadonlyArray<InProgress> {
    this.tick(now)
    const out: Array<InProgress> = []
    for (const txn of this.order) {
      const c = txn.cancellation
      if (c?.pending !== undefined) {
        out.push({
          operation: c.operation,
          id: txn.syssn,
          syssn: c.syssn,
          out_trade_no: txn.out_trade_no,
          txamt: txn.txamt,
          txcurrcd: txn.txcurrcd,
          respcd: c.respcd,
          since: c.pending.since,
          settles: c.pending.settles
        })
      } else if (txn.pending !== undefined) {
        out.push({
          operation: txn.kind,
          id: txn.syssn,
          syssn: txn.syssn,
          out_trade_no: txn.out_trade_no,
          txamt: txn.txamt,
          txcurrcd: txn.txcurrcd,
          respcd: txn.respcd,
          since: txn.pending.since,
          settles: txn.pending.settles
        })
      }
    }
    return out
  }

  /**
   * One transaction by its `syssn`, as of `now`.
   *
   * @since 0.1.0
   */
  transaction(syssn: string, now: number): Transaction | undefined {
    this.tick(now)
    const txn = this.bySyssn.get(syssn) ?? this.byOutTradeNo.get(syssn)
    return txn === undefined ? undefined : this.view(txn)
  }

  /**
   * The refunds of a payment, as of `now`.
   *
   * @since 0.1.0
   */
  refundsOf(syssn: string, now: number): ReadonlyArray<Transaction> {
    this.tick(now)
    return (this.refundsByPayment.get(syssn) ?? []).map((txn) => this.view(txn))
  }

  // ---------------------------------------------------------------------------------------
  // the wire

  /**
   * The credential and signature check every request passes first.
   *
   * @since 0.1.0
   */
  authenticate(request: WireRequest): { readonly credential: Credential | undefined; readonly ok: boolean } {
    const credential = this.credentials.get(request.headers["x-qf-appcode"] ?? "")
    if (credential === undefined) return { credential, ok: false }
    const signType = request.headers["x-qf-signtype"]?.toUpperCase() ?? "MD5"
    if (signType !== "MD5" && signType !== "SHA256") return { credential, ok: false }
    const signature = request.headers["x-qf-sign"] ?? ""
    return { credential, ok: Signature.verify(request.params, signature, credential.clientKey, signType) }
  }

  /**
   * Applies one authenticated request and answers it. `apply: false` answers without changing
   * anything (used for faults that stop a request before it is applied).
   *
   * @since 0.1.0
   */
  answer(
    endpoint: Endpoint.Endpoint,
    request: WireRequest,
    credential: Credential,
    now: number
  ): Reply {
    const params = request.params
    // mchid: mandatory when issued, forbidden otherwise.
    if ((credential.mchid ?? "") !== (params.mchid ?? "")) {
      return refused("1104", credential.mchid === undefined ? "mchid: not issued to this merchant" : "mchid: required")
    }
    this.tick(now)
    switch (endpoint.operation) {
      case "refund":
        return this.refund(params, now)
      case "reversal":
      case "close":
        return this.cancelOp(endpoint.operation, params, now)
      case "query":
        return this.query(params, now)
      case "payment":
        return this.payment(params, now)
    }
  }

  /** @internal */
  private payment(params: Readonly<Record<string, string>>, now: number): Reply {
    const decoded = decodePayment(params)
    if (Either.isLeft(decoded)) return refused("1104", firstIssue(decoded.left))
    const p = decoded.right
    if (this.byOutTradeNo.has(p.out_trade_no)) return refused("1102")
    const outcome = this.policy.decide({
      operation: "payment",
      out_trade_no: p.out_trade_no,
      syssn: undefined,
      pay_type: p.pay_type,
      txamt: p.txamt
    })
    if (outcome._tag === "Fail") return refused(outcome.code)
    const created = this.createPayment(
      {
        txamt: p.txamt,
        pay_type: p.pay_type,
        txcurrcd: p.txcurrcd,
        out_trade_no: p.out_trade_no,
        txdtm: p.txdtm,
        state: outcome._tag === "Succeed"
          ? { _tag: "Paid" }
          : { _tag: "Pending", code: outcome.code, settles: outcome.settles }
      },
      now
    )
    if (Either.isLeft(created)) return refused("1104", created.left)
    const txn = this.bySyssn.get(created.right.syssn)!
    if (outcome._tag === "Pending") {
      txn.pending = this.pendingFrom(outcome, now)
      this.track(txn, false, txn.pending)
    }
    return reply(
      {
        respcd: txn.respcd,
        resperr: ResponseCode.meaning(txn.respcd),
        respmsg: "",
        syssn: txn.syssn,
        out_trade_no: txn.out_trade_no,
        pay_type: txn.pay_type,
        txamt: String(txn.txamt),
        txcurrcd: txn.txcurrcd,
        txdtm: txn.txdtm,
        sysdtm: txn.sysdtm
      },
      true
    )
  }

  /** @internal */
  private refund(params: Readonly<Record<string, string>>, now: number): Reply {
    const decoded = decodeRefund(params)
    if (Either.isLeft(decoded)) return refused("1104", firstIssue(decoded.left))
    const r = decoded.right
    const payment = this.bySyssn.get(r.syssn)
    if (payment === undefined || payment.kind !== "payment") return refused("1268")
    if (
      payment.respcd !== "0000" || payment.cancel === Response.Cancel.cpmReversed ||
      payment.cancel === Response.Cancel.mpmCancelled
    ) {
      return refused("1261")
    }
    if (this.byOutTradeNo.has(r.out_trade_no)) {
      return refused("1102", `out_trade_no ${r.out_trade_no} is already used`)
    }
    if (this.rules.noRefundPayTypes.includes(payment.pay_type)) return refused("1155")
    const remaining = payment.txamt - payment.refundedSettled - payment.refundedPending
    const partial = r.txamt < payment.txamt
    if (partial && this.rules.noPartialRefundCurrencies.includes(payment.txcurrcd)) {
      return refused("1270")
    }
    if (partial && this.rules.noPartialRefundPayTypes.includes(payment.pay_type)) {
      return refused("1271")
    }
    if (r.txamt > remaining) {
      return refused("1272", `at most ${Math.max(0, remaining)} cents can still be refunded`)
    }
    if (this.rules.refundBlackout) {
      const hm = this.local(now).slice(11, 16)
      if (hm >= "23:30" || hm < "00:30") return refused("1265")
    }
    const outcome = this.policy.decide({
      operation: "refund",
      out_trade_no: r.out_trade_no,
      syssn: payment.syssn,
      pay_type: payment.pay_type,
      txamt: r.txamt
    })
    if (outcome._tag === "Fail") return refused(outcome.code)
    const refund: Txn = {
      kind: "refund",
      syssn: this.newSyssn(now),
      out_trade_no: r.out_trade_no,
      origssn: payment.syssn,
      pay_type: payment.pay_type,
      txamt: r.txamt,
      txcurrcd: payment.txcurrcd,
      txdtm: r.txdtm,
      sysdtm: this.local(now),
      paydtm: undefined,
      respcd: outcome._tag === "Pending" ? outcome.code : "0000",
      cancel: 0,
      cancelledBy: undefined,
      pending: outcome._tag === "Pending" ? this.pendingFrom(outcome, now) : undefined,
      cancellation: undefined,
      refundedSettled: 0,
      refundedPending: 0
    }
    this.insert(refund)
    if (outcome._tag === "Pending") {
      payment.refundedPending += r.txamt
    } else {
      refund.paydtm = refund.sysdtm
      this.creditRefund(payment, r.txamt)
    }
    return reply(
      {
        respcd: refund.respcd,
        resperr: ResponseCode.meaning(refund.respcd),
        respmsg: "",
        syssn: refund.syssn,
        orig_syssn: payment.syssn,
        out_trade_no: refund.out_trade_no,
        txamt: String(refund.txamt),
        txcurrcd: refund.txcurrcd,
        txdtm: refund.txdtm,
        sysdtm: refund.sysdtm,
        paydtm: refund.paydtm ?? "",
        chnlsn: "",
        cash_fee: String(payment.txamt),
        cash_fee_type: payment.txcurrcd,
        cash_refund_fee: String(refund.txamt),
        cash_refund_fee_type: refund.txcurrcd
      },
      true
    )
  }

  /** @internal */
  private cancelOp(operation: "reversal" | "close", params: Readonly<Record<string, string>>, now: number): Reply {
    const decoded = operation === "reversal" ? decodeReversal(params) : decodeClose(params)
    if (Either.isLeft(decoded)) return refused("1104", firstIssue(decoded.left))
    const r = decoded.right
    const found = r.syssn !== undefined ? this.bySyssn.get(r.syssn) : this.byOutTradeNo.get(r.out_trade_no!)
    const payment = found?.kind === "payment" ? found : undefined
    if (payment === undefined) return refused("1268")
    if (r.syssn !== undefined && r.out_trade_no !== undefined && payment.out_trade_no !== r.out_trade_no) {
      return refused("1267")
    }
    if (r.txamt !== payment.txamt) return refused("1266")
    const answer = (c: Cancellation) => ({
      respcd: c.respcd,
      resperr: ResponseCode.meaning(c.respcd),
      respmsg: "",
      syssn: c.syssn,
      orig_syssn: payment.syssn,
      out_trade_no: payment.out_trade_no,
      txamt: String(payment.txamt),
      txcurrcd: payment.txcurrcd,
      txdtm: payment.txdtm,
      sysdtm: this.local(c.requestedAt),
      chnlsn: ""
    })
    if (payment.cancelledBy === "reversal") return refused("1263")
    if (payment.cancelledBy === "close") return refused("1264")
    if (payment.respcd === "0000") return refused("1260")
    // A cancellation already in progress is answered again, not started twice.
    if (payment.cancellation?.pending !== undefined) return reply(answer(payment.cancellation), false)
    if (this.rules.enforceRouting) {
      const allowed = operation === "reversal" ? this.rules.routing.reversal : this.rules.routing.close
      if (!allowed.includes(payment.pay_type)) {
        return refused("1250", `pay type ${payment.pay_type} is not cancelled by ${operation}`)
      }
    }
    if (!ResponseCode.isPending(payment.respcd)) {
      // The payment failed for good: there is nothing left to stop.
      return refused("1142")
    }
    const outcome = this.policy.decide({
      operation,
      out_trade_no: payment.out_trade_no,
      syssn: payment.syssn,
      pay_type: payment.pay_type,
      txamt: payment.txamt
    })
    if (outcome._tag === "Fail") return refused(outcome.code)
    const cancellation: Cancellation = {
      operation,
      syssn: this.newSyssn(now),
      requestedAt: now,
      respcd: outcome._tag === "Pending" ? outcome.code : "0000",
      pending: outcome._tag === "Pending" ? this.pendingFrom(outcome, now) : undefined
    }
    payment.cancellation = cancellation
    if (cancellation.pending !== undefined) this.track(payment, true, cancellation.pending)
    else this.applyCancel(payment, operation)
    return reply(answer(cancellation), true)
  }

  /** @internal */
  private query(params: Readonly<Record<string, string>>, now: number): Reply {
    const decoded = decodeQuery(params)
    if (Either.isLeft(decoded)) return refused("1104", firstIssue(decoded.left))
    const q = decoded.right
    let rows: Array<Txn>
    if (q.syssn !== undefined || q.out_trade_no !== undefined) {
      const seen = new Set<Txn>()
      for (const s of q.syssn ?? []) {
        const txn = this.bySyssn.get(s)
        if (txn !== undefined) seen.add(txn)
      }
      for (const o of q.out_trade_no ?? []) {
        const txn = this.byOutTradeNo.get(o)
        if (txn !== undefined) seen.add(txn)
      }
      rows = [...seen]
    } else {
      rows = this.order.filter((txn) =>
        (q.start_time === undefined || txn.sysdtm >= q.start_time) &&
        (q.end_time === undefined || txn.sysdtm <= q.end_time)
      )
    }
    if (q.pay_type !== undefined) rows = rows.filter((txn) => q.pay_type!.includes(txn.pay_type as PayType.PayType))
    const size = q.page_size ?? 10
    const page = q.page ?? 1
    const slice = rows.slice((page - 1) * size, page * size)
    for (const txn of slice) this.enquired(txn, now)
    const shown = q.respcd === undefined ? slice : slice.filter((txn) => txn.respcd === q.respcd)
    return reply(
      {
        respcd: "0000",
        resperr: "success",
        respmsg: "",
        page: String(page),
        page_size: String(size),
        data: shown.map((txn) => ({
          syssn: txn.syssn,
          out_trade_no: txn.out_trade_no,
          origssn: txn.origssn ?? "",
          order_type: txn.kind,
          pay_type: txn.pay_type,
          txamt: String(txn.txamt),
          txcurrcd: txn.txcurrcd,
          txdtm: txn.txdtm,
          sysdtm: txn.sysdtm,
          paydtm: txn.paydtm ?? "",
          cancel: String(txn.cancel),
          respcd: txn.respcd,
          errmsg: ResponseCode.meaning(txn.respcd),
          chnlsn: "",
          cash_fee: String(txn.txamt),
          cash_fee_type: txn.txcurrcd
        }))
      },
      false
    )
  }

  /** How many requests were recorded, those dropped from the log included: the next index. */
  get requestCount(): number {
    return this.requests
  }

  /** How many payments and refunds are held. */
  get transactionCount(): number {
    return this.order.length
  }

  /**
   * The last `logLimit` entries of the request log.
   *
   * @since 0.1.0
   */
  recentLog(): ReadonlyArray<LogEntry> {
    return this.log.length > this.logLimit ? this.log.slice(-this.logLimit) : [...this.log]
  }

  /**
   * Appends to the request log and returns the entry, whose `index` counts every request
   * recorded. Past `logLimit` entries the oldest are dropped, an eighth of the limit at a time,
   * so that dropping costs amortised O(1) per request.
   *
   * @since 0.1.0
   */
  record(entry: Omit<LogEntry, "index">): LogEntry {
    const full: LogEntry = {
      at: entry.at,
      method: entry.method,
      path: entry.path,
      operation: entry.operation,
      params: entry.params,
      contentType: entry.contentType,
      raw: entry.raw,
      appCode: entry.appCode,
      signature: entry.signature,
      signType: entry.signType,
      signatureOk: entry.signatureOk,
      respcd: entry.respcd,
      fault: entry.fault,
      applied: entry.applied,
      index: this.requests++
    }
    this.log.push(full)
    if (this.log.length > this.logLimit + Math.ceil(this.logLimit / 8)) {
      this.log.splice(0, this.log.length - this.logLimit)
    }
    return full
  }
}

/**
 * What the CLI prints and the exit code it ends with.
 *
 * Exit codes: 0 settled / ok; 1 invalid usage, configuration or input (nothing was sent);
 * 2 rejected by QFPay; 3 still pending at the deadline; 4 transport failure, outcome unknown.
 * With `--json`, stdout carries exactly one JSON object with at least `status`.
 *
 * @since 0.1.0
 */
import type { Receipt } from "@effect-qfpay/core"
import { Handle, QFPayError, Response, ResponseCode } from "@effect-qfpay/core"
import * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { FlagError } from "./Flags.js"
import { describeConfigError } from "./Target.js"

/**
 * The `status` of the JSON answer. Operations end `settled`, `rejected`, `pending`, `invalid`
 * or `unknown` (exit 0 to 4); `verify-notification` answers `verified` or `invalid`; the
 * sandbox announces itself `running`.
 *
 * @since 0.1.0
 * @category models
 */
export type Status =
  | "settled"
  | "rejected"
  | "pending"
  | "invalid"
  | "unknown"
  | "verified"
  | "running"
  | "stopped"

/**
 * What a command ends with: bin.ts prints it and exits with its code. Commands return one
 * rather than printing and setting a code, so that a new command, or a new way of ending one
 * (an interrupt), is a new `Outcome` and nothing else.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome {
  /** 130: stopped by a signal (the sandbox, the worker, the demo). */
  readonly exitCode: 0 | 1 | 2 | 3 | 4 | 130
  readonly status: Status
  /** The JSON fields (beyond `status` and `message`). */
  readonly fields: Readonly<Record<string, unknown>>
  /** One readable sentence. */
  readonly message: string
  /** Extra lines for people (a table, a command to run next). */
  readonly details: ReadonlyArray<string>
}

const operationName = { refund: "Refund", reversal: "Reversal", close: "Close" } as const

/**
 * @since 0.1.0
 * @category outcomes
 */
export const receipt = (r: Receipt.Receipt, extra: Readonly<Record<string, unknown>> = {}): Outcome => ({
  exitCode: 0,
  status: "settled",
  fields: {
    operation: r.operation,
    syssn: r.syssn,
    orig_syssn: r.orig_syssn,
    out_trade_no: r.out_trade_no,
    respcd: r.respcd,
    txamt: r.txamt,
    txcurrcd: r.txcurrcd,
    sysdtm: r.sysdtm,
    confirmed_by: r.confirmed_by,
    ...extra
  },
  message: `${operationName[r.operation]} settled: ${r.txamt} cents${
    r.txcurrcd === undefined ? "" : ` ${r.txcurrcd}`
  } of payment ${r.orig_syssn ?? r.out_trade_no ?? "?"}${r.syssn === undefined ? "" : `, new transaction ${r.syssn}`}${
    r.operation === "refund" ? `, refund out_trade_no ${r.out_trade_no}` : ""
  } (${
    r.confirmed_by === "found"
      ? "found by the enquiry: an earlier attempt of this intent had already been applied"
      : `confirmed by the ${r.confirmed_by}`
  }).`,
  details: []
})

/**
 * @since 0.1.0
 * @category outcomes
 */
export const ok = (
  message: string,
  fields: Readonly<Record<string, unknown>> = {},
  details: ReadonlyArray<string> = []
): Outcome => ({
  exitCode: 0,
  status: "settled",
  fields,
  message,
  details
})

// Names that start messages as they are written: the command, and fields of QFPay's wire format.
const identifiers = new Set(["qfpay", "syssn", "txamt", "txdtm", "udid", "respcd"])

/**
 * A message as a sentence: a capital first letter (unless it starts with an identifier) and a
 * full stop at the end.
 *
 * @since 0.2.0
 * @category formatting
 */
export const sentence = (text: string): string => {
  const t = text.trim()
  const first = /^[^\s:(,;]+/.exec(t)?.[0] ?? ""
  const capital = /^[a-z]/.test(t) && !first.includes("_") && !identifiers.has(first)
    ? `${t[0].toUpperCase()}${t.slice(1)}`
    : t
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

/**
 * A problem found before anything was sent: exit 1. `nothingSent: false` for commands that
 * never send anything (verifying a notification, running the sandbox).
 *
 * @since 0.1.0
 * @category outcomes
 */
export const invalid = (message: string, options: { readonly nothingSent?: boolean } = {}): Outcome => ({
  exitCode: 1,
  status: "invalid",
  fields: {},
  message: options.nothingSent === false ? sentence(message) : `${sentence(message)} Nothing was sent.`,
  details: []
})

const handleFields = (handle: Handle.Handle | undefined): Record<string, unknown> =>
  handle === undefined
    ? {}
    : handle._tag === "RefundHandle"
    ? { orig_syssn: handle.syssn, out_trade_no: handle.out_trade_no, txamt: handle.txamt, syssn: handle.refund_syssn }
    : { orig_syssn: handle.syssn, out_trade_no: handle.out_trade_no, txamt: handle.txamt, syssn: handle.cancel_syssn }

/**
 * The outcome of a failure.
 *
 * @since 0.1.0
 * @category outcomes
 */
export const failure = (
  error: QFPayError.QFPayError | ConfigError.ConfigError | FlagError,
  resume: (token: string, reconcile: boolean) => string
): Outcome => {
  if (error instanceof FlagError) return invalid(error.message)
  if (ConfigError.isConfigError(error)) return invalid(describeConfigError(error))
  if (!QFPayError.isQFPayError(error)) return unexpected(error)
  switch (error._tag) {
    case "InvalidRequest":
    case "UnknownPayType":
      return invalid(error.message)
    case "Rejected":
      return {
        exitCode: 2,
        status: "rejected",
        fields: {
          ...handleFields(error.handle),
          respcd: error.code,
          class: error.class,
          resperr: error.resperr,
          respmsg: error.respmsg
        },
        message: sentence(error.message),
        details: []
      }
    case "IdempotencyKeyReused":
      return {
        exitCode: 2,
        status: "rejected",
        fields: {
          ...handleFields(error.handle),
          reason: "idempotency-key-reused",
          found_syssn: error.found.syssn,
          found_txamt: error.found.txamt
        },
        message: sentence(error.message),
        details: []
      }
    case "TransactionNotFound":
      return {
        exitCode: 2,
        status: "rejected",
        fields: { syssn: error.syssn, out_trade_no: error.out_trade_no, respcd: "1268" },
        message: sentence(`${error.message} (1268 ${ResponseCode.meaning("1268")})`),
        details: []
      }
    case "StillPending": {
      const token = Handle.toToken(error.handle)
      return {
        exitCode: 3,
        status: "pending",
        fields: { ...handleFields(error.handle), respcd: error.lastCode, handle: token, resume: resume(token, false) },
        message: sentence(error.message.replace(/; resume polling later with its handle$/, "")),
        details: [`Resume with: ${resume(token, false)}`]
      }
    }
    case "OutcomeUnknown": {
      const token = Handle.toToken(error.handle)
      return {
        exitCode: 4,
        status: "unknown",
        fields: { ...handleFields(error.handle), handle: token, resume: resume(token, true) },
        message: sentence(error.message),
        details: [`Reconcile with: ${resume(token, true)} (it looks the operation up before sending anything again)`]
      }
    }
    case "TransportError":
    case "RateLimited":
    case "UnexpectedResponse":
    case "SignatureMismatch":
      return {
        exitCode: 4,
        status: "unknown",
        fields: error._tag === "UnexpectedResponse" ? { http_status: error.status } : {},
        message: sentence(error.message),
        details: []
      }
  }
}

/**
 * Something that is not a failure the CLI knows: a bug. It may have struck after a request was
 * sent, so the outcome is unknown (exit 4).
 *
 * @since 0.2.0
 * @category outcomes
 */
export const unexpected = (cause: unknown): Outcome => ({
  exitCode: 4,
  status: "unknown",
  fields: {},
  message: `qfpay: internal error (${
    cause instanceof Error ? cause.message : typeof cause === "object" && cause !== null && "message" in cause
      ? String(cause.message)
      : String(cause)
  }); if an operation was under way, check it with \`qfpay query\` before running it again.`,
  details: []
})

/**
 * A table of enquiry rows.
 *
 * @since 0.1.0
 * @category formatting
 */
export const table = (rows: ReadonlyArray<Response.QueryRow>): ReadonlyArray<string> => {
  const header = ["syssn", "out_trade_no", "type", "pay_type", "txamt", "cur", "respcd", "cancel", "txdtm"]
  const body = rows.map((r) => [
    r.syssn,
    r.out_trade_no ?? "",
    r.order_type ?? "",
    r.pay_type ?? "",
    r.txamt === undefined ? "" : String(r.txamt),
    r.txcurrcd ?? "",
    r.respcd,
    r.cancel === undefined ? "" : Response.describeCancel(r.cancel),
    r.txdtm ?? ""
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)]
}

/**
 * An outcome, and whether to print it as JSON.
 *
 * @since 0.2.0
 * @category models
 */
export interface Reply {
  readonly outcome: Outcome
  readonly json: boolean
}

/**
 * Prints an outcome: one JSON object on stdout with `--json`; otherwise the sentence on stdout
 * (success) or stderr (failure), and the details.
 *
 * @since 0.1.0
 * @category printing
 */
export const print = (outcome: Outcome, json: boolean): Effect.Effect<void> => {
  if (json) {
    const object = Object.fromEntries(
      Object.entries({ status: outcome.status, ...outcome.fields, message: outcome.message }).filter(([, v]) =>
        v !== undefined
      )
    )
    return Console.log(JSON.stringify(object))
  }
  const out = outcome.exitCode === 0 ? Console.log : Console.error
  return Effect.zipRight(out(outcome.message), Effect.forEach(outcome.details, (line) => out(line), { discard: true }))
}

/**
 * A money command interrupted by a signal. With a handle (the operation was prepared, and may
 * have been sent), the outcome is unknown and the command that reconciles it is printed: it
 * looks the operation up before sending anything again.
 *
 * @since 0.2.0
 * @category outcomes
 */
export const interrupted = (
  signal: string,
  handle: Handle.Handle | undefined,
  resume: (token: string, reconcile: boolean) => string
): Outcome => {
  if (handle === undefined) {
    return {
      exitCode: 1,
      status: "invalid",
      fields: { signal },
      message: `Interrupted by ${signal} before anything was sent.`,
      details: []
    }
  }
  const token = Handle.toToken(handle)
  return {
    exitCode: 4,
    status: "unknown",
    fields: { ...handleFields(handle), signal, handle: token, resume: resume(token, true) },
    message: `Interrupted by ${signal} with the ${
      Handle.describe(handle)
    } under way: it may have been applied. Its outcome is unknown until it is reconciled.`,
    details: [`Reconcile with: ${resume(token, true)} (it looks the operation up before sending anything again)`]
  }
}

/**
 * Stopped by a signal (the sandbox, the worker, the demo).
 *
 * @since 0.2.0
 * @category outcomes
 */
export const stopped = (signal: string, what: string): Outcome => ({
  exitCode: 130,
  status: "stopped",
  fields: { signal },
  message: `${what} stopped (${signal}).`,
  details: []
})

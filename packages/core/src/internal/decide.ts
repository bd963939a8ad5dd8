/**
 * The engine's decisions, as a pure and synchronous function: `decide(settings, state, event)`
 * gives the next state and the action to carry out. Every row of the README's guarantees
 * table and of PROTOCOL §7 is a case here; `run.ts` only carries actions out (sends, enquires,
 * steps schedules, sleeps) and feeds what happened back in. The state is plain data
 * (`OperationState`), so it can be observed, stored and resumed.
 *
 * The rules, in one place:
 * - the wire parameters (a refund's `out_trade_no` and time included) are prepared once; every
 *   retry and resubmission sends exactly them;
 * - an answer that is lost, unreadable, signed wrongly or does not match the request may
 *   have been applied: look the operation up before sending again (found → follow it; not
 *   shown → resubmit the very same request);
 * - a retryable code answering a mutating request may have been applied too: retry with the
 *   same identifiers, and look it up before reporting anything;
 * - "duplicate" (1102 / 2011), and "already cancelled / closed" (1263 / 1264 / 1142) on a
 *   reversal or close, on any attempt: look it up. This intent's own operation → follow it; the
 *   id naming another operation → `IdempotencyKeyReused`; not shown → `OutcomeUnknown`;
 * - a definite refusal after an attempt that may have been applied: look it up first;
 * - an enquiry that fails never turns into a rejection: `OutcomeUnknown` while reconciling,
 *   `StillPending` while polling, both with the handle;
 * - "in progress" is polled within the poll policy's schedule and deadline; at least one
 *   enquiry is made however short the deadline;
 * - a `Retry-After` longer than the retry policy accepts (or past the poll deadline) ends now.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Decisions from "../Decisions.js"
import { type Handle, operation as operationOf } from "../Handle.js"
import type { Syssn } from "../Identifiers.js"
import type { OperationState } from "../OperationState.js"
import type { AnswerFields, LookupReason } from "../OperationState.js"
import {
  IdempotencyKeyReused,
  isTransient,
  type OperationError,
  OutcomeUnknown,
  type QFPayError,
  Rejected,
  StillPending
} from "../QFPayError.js"
import type { Receipt } from "../Receipt.js"
import type { OperationSummary, QueryRow } from "../Response.js"
import * as ResponseCode from "../ResponseCode.js"
import type { Observation } from "./observe.js"

/** What the decisions need from the configuration. @internal */
export interface Settings {
  readonly confirmCancellation: boolean
  readonly maxRetryAfterMillis: number
  readonly pollDeadlineMillis: number
}

/** @internal */
export type Schedule = "retry" | "enquiry" | "poll"

/** @internal */
export type Action =
  | { readonly _tag: "Send" }
  | { readonly _tag: "Enquire" }
  /**
   * Ask the schedule for the next wait (at least `atLeast` ms); the answer comes back as a
   * `Delay` event. A first poll waits the policy's first delay, counted from `since`.
   */
  | {
    readonly _tag: "Wait"
    readonly schedule: Schedule
    readonly atLeast: number
    readonly first?: { readonly since: number } | undefined
  }
  | { readonly _tag: "Sleep"; readonly millis: number }
  | { readonly _tag: "Done"; readonly receipt: Receipt; readonly warning?: string | undefined }
  | { readonly _tag: "Fail"; readonly error: OperationError }

/** A QFPay answer to the operation itself, classified. @internal */
export interface Answer {
  readonly code: string
  readonly class: ResponseCode.Class
  readonly resperr?: string | undefined
  readonly respmsg?: string | undefined
  /** The decoded fields, when they decode. */
  readonly fields?: OperationSummary | undefined
}

/** @internal */
export type Event =
  | { readonly _tag: "Answered"; readonly now: number; readonly answer: Answer }
  | { readonly _tag: "SendFailed"; readonly now: number; readonly error: QFPayError }
  | { readonly _tag: "Observed"; readonly now: number; readonly observation: Observation }
  | { readonly _tag: "EnquiryFailed"; readonly now: number; readonly error: QFPayError }
  | {
    readonly _tag: "Delay"
    readonly now: number
    readonly wait: Extract<Action, { _tag: "Wait" }>
    /** `undefined`: the schedule is over. */
    readonly millis: number | undefined
  }
  | { readonly _tag: "Woke"; readonly now: number }

/** @internal */
export interface Step {
  readonly state: OperationState
  readonly action: Action
}

/** How a run begins. @internal */
export type Mode = "submit" | "reconcile" | "poll"

// --- small constructors ------------------------------------------------------------------

const step = (state: OperationState, action: Action): Step => ({ state, action })

const SEND: Action = { _tag: "Send" }
const ENQUIRE: Action = { _tag: "Enquire" }
const fail = (state: OperationState, error: OperationError): Step => step(state, { _tag: "Fail", error })

const send = (state: OperationState): Step => step({ ...state, phase: "submit", attempts: state.attempts + 1 }, SEND)

const enquire = (state: OperationState): Step =>
  step({
    ...state,
    enquiries: state.enquiries + 1,
    polls: state.phase === "poll" ? state.polls + 1 : state.polls
  }, ENQUIRE)

const wait = (state: OperationState, schedule: Schedule, atLeast = 0): Step =>
  step(state, { _tag: "Wait", schedule, atLeast })

const retryAfterMillis = (error: QFPayError): number =>
  error._tag === "RateLimited" && error.retryAfter !== undefined ? Duration.toMillis(error.retryAfter) : 0

// Whether a failed exchange may have reached QFPay and been applied.
const isAmbiguous = (error: QFPayError): boolean => {
  switch (error._tag) {
    case "TransportError":
    case "UnexpectedResponse":
      return error.ambiguous
    case "SignatureMismatch":
      // An answer we cannot trust says nothing about whether the request was applied.
      return true
    default:
      return false
  }
}

// An enquiry that failed for a reason that may pass: ask again.
const enquiryMayRecover = (error: QFPayError): boolean =>
  isTransient(error) || (error._tag === "Rejected" && error.class === "pending")

const lookupCodes = {
  refund: Decisions.duplicateCodes as ReadonlyArray<string>,
  cancel: [...Decisions.duplicateCodes, ...Decisions.alreadyCancelledCodes] as ReadonlyArray<string>
}

const isLookupCode = (handle: Handle, code: string): boolean =>
  (handle._tag === "RefundHandle" ? lookupCodes.refund : lookupCodes.cancel).includes(code)

const withNewSyssn = (handle: Handle, syssn: Syssn | undefined): Handle => {
  if (syssn === undefined) return handle
  // `Object.assign`, not a spread: the field may be new to the handle (see `initial`).
  return handle._tag === "RefundHandle"
    ? Object.assign({}, handle, { refund_syssn: syssn })
    : Object.assign({}, handle, { cancel_syssn: syssn })
}

const differs = (got: unknown, sent: unknown): boolean => got !== undefined && sent !== undefined && got !== sent

// A `0000` (or "in progress") that names another operation than the one sent is not ours.
const mismatch = (handle: Handle, fields: OperationSummary | undefined): string | undefined => {
  if (
    fields === undefined ||
    !(differs(fields.out_trade_no, handle.out_trade_no) || differs(fields.orig_syssn, handle.syssn) ||
      differs(fields.txamt, handle.txamt))
  ) return undefined
  const found: Array<string> = []
  const add = (name: string, got: unknown, sent: unknown) => {
    if (differs(got, sent)) found.push(`${name} ${String(got)} instead of ${String(sent)}`)
  }
  add("out_trade_no", fields.out_trade_no, handle.out_trade_no)
  add("orig_syssn", fields.orig_syssn, handle.syssn)
  add("txamt", fields.txamt, handle.txamt)
  return `the answer does not match the request (${found.join(", ")})`
}

// --- receipts and errors -------------------------------------------------------------------

const confirmedBy = (state: OperationState): Receipt["confirmed_by"] => state.appliedByThisRun ? "enquiry" : "found"

const answerFields = (fields: OperationSummary | undefined): AnswerFields => {
  const out: { -readonly [K in keyof AnswerFields]: AnswerFields[K] } = {}
  if (fields === undefined) return out
  if (fields.syssn !== undefined) out.syssn = fields.syssn
  if (fields.txcurrcd !== undefined) out.txcurrcd = fields.txcurrcd
  if (fields.txdtm !== undefined) out.txdtm = fields.txdtm
  if (fields.sysdtm !== undefined) out.sysdtm = fields.sysdtm
  return out
}

const receipt = (
  state: OperationState,
  confirmed: Receipt["confirmed_by"],
  answer: AnswerFields | undefined,
  row: QueryRow | undefined
): Receipt => {
  const handle = state.handle
  const refund = handle._tag === "RefundHandle"
  const syssn = refund
    ? row?.syssn ?? answer?.syssn ?? handle.refund_syssn
    : answer?.syssn ?? handle.cancel_syssn
  // Absent fields are left out (in this order): the receipt is a plain record with exact
  // optional properties.
  const out: Record<string, unknown> = { operation: operationOf(handle) }
  if (syssn !== undefined) out.syssn = syssn
  const orig_syssn = refund ? row?.origssn ?? handle.syssn : row?.syssn ?? handle.syssn
  if (orig_syssn !== undefined) out.orig_syssn = orig_syssn
  const out_trade_no = refund ? handle.out_trade_no : row?.out_trade_no ?? handle.out_trade_no
  if (out_trade_no !== undefined) out.out_trade_no = out_trade_no
  out.txamt = handle.txamt
  const txcurrcd = row?.txcurrcd ?? answer?.txcurrcd
  if (txcurrcd !== undefined) out.txcurrcd = txcurrcd
  out.txdtm = refund ? row?.txdtm ?? answer?.txdtm ?? handle.txdtm : handle.txdtm
  const sysdtm = (refund ? row?.sysdtm : undefined) ?? answer?.sysdtm
  if (sysdtm !== undefined) out.sysdtm = sysdtm
  out.respcd = "0000"
  out.confirmed_by = confirmed
  out.attempts = state.attempts
  out.enquiries = state.enquiries
  return out as unknown as Receipt
}

const rejected = (state: OperationState, code: string, resperr?: string, respmsg?: string): Rejected =>
  Rejected.fromCode({ endpoint: operationOf(state.handle), code, resperr, respmsg, handle: state.handle })

const unknown = (state: OperationState, detail: string): OutcomeUnknown =>
  new OutcomeUnknown({ handle: state.handle, detail })

const stillPending = (state: OperationState, now: number): StillPending =>
  new StillPending({
    handle: state.handle,
    ...(state.lastCode === undefined ? {} : { lastCode: state.lastCode }),
    attempts: state.polls,
    elapsed: Duration.millis(Math.max(0, now - (state.pollStartedAt ?? now))),
    ...(state.enquiryFailure === undefined ? {} : { detail: `the last enquiry failed: ${state.enquiryFailure}` })
  })

const reused = (state: OperationState, row: QueryRow): IdempotencyKeyReused =>
  new IdempotencyKeyReused({
    handle: state.handle,
    found: {
      syssn: row.syssn,
      respcd: row.respcd,
      ...(row.order_type === undefined ? {} : { order_type: row.order_type }),
      ...(row.out_trade_no === undefined ? {} : { out_trade_no: row.out_trade_no }),
      ...(row.origssn === undefined ? {} : { origssn: row.origssn }),
      ...(row.txamt === undefined ? {} : { txamt: row.txamt })
    }
  })

// --- starting --------------------------------------------------------------------------------

// Every field from the start, absent ones undefined: each later step copies the state with some
// fields changed (`{ ...state, polls }`), which V8 does fast and compactly only for fields the
// state already has (adding one makes a copy five times slower and four times larger, and a
// scheduler holds a hundred thousand states).
const initial = (handle: Handle, callerId: boolean): OperationState => ({
  handle,
  phase: "submit",
  attempts: 0,
  enquiries: 0,
  polls: 0,
  mayHaveApplied: false,
  appliedByThisRun: false,
  callerId,
  lostAnswer: undefined,
  lookup: undefined,
  lastCode: undefined,
  enquiryFailure: undefined,
  failure: undefined,
  pollStartedAt: undefined,
  deadlineAt: undefined,
  answer: undefined
})

/**
 * - `submit`: a new operation, sent now (`callerId`: its id came from the caller, so an earlier
 *   run may have sent it; a freshly generated `out_trade_no` cannot have been);
 * - `reconcile`: an operation an earlier run may have applied: look it up first;
 * - `poll`: an operation known to be in progress: poll it.
 *
 * @internal
 */
export const start = (
  settings: Settings,
  handle: Handle,
  mode: Mode,
  now: number,
  callerId = true
): Step => {
  switch (mode) {
    case "submit":
      return send(
        initial(
          handle.submitted_at === undefined ? Object.assign({}, handle, { submitted_at: now }) : handle,
          callerId
        )
      )
    case "reconcile":
      return enquire({ ...initial(handle, true), phase: "reconcile", lookup: "resume", mayHaveApplied: true })
    case "poll":
      return startPoll(settings, { ...initial(handle, true), mayHaveApplied: true }, now, handle.submitted_at ?? now)
  }
}

const startPoll = (settings: Settings, state: OperationState, now: number, since: number): Step =>
  step({
    ...state,
    phase: "poll",
    polls: 0,
    pollStartedAt: now,
    deadlineAt: now + settings.pollDeadlineMillis,
    enquiryFailure: undefined
  }, { _tag: "Wait", schedule: "poll", atLeast: 0, first: { since } })

// An answer that may hide an applied request (lost, unreadable, not matching what was sent):
// look the operation up, after the retry policy's wait, before sending anything again.
const untrusted = (state: OperationState, why: string): Step =>
  wait(
    {
      ...state,
      phase: "reconcile",
      lookup: "ambiguous",
      mayHaveApplied: true,
      appliedByThisRun: true,
      lostAnswer: why
    },
    "retry"
  )

// What to report when retrying ends with no news: the last failure seen.
const lastFailure = (state: OperationState): OperationError =>
  (state.failure ?? unknown(state, "retries ended")) as OperationError

const lookup = (state: OperationState, reason: LookupReason, code?: string): Step =>
  enquire(
    code === undefined
      ? { ...state, phase: "reconcile", lookup: reason }
      : { ...state, phase: "reconcile", lookup: reason, lastCode: code }
  )

// An enquiry answered: its failure no longer matters (no copy when there was none).
const withoutEnquiryFailure = (state: OperationState): OperationState =>
  state.enquiryFailure === undefined ? state : { ...state, enquiryFailure: undefined }

// --- the table -------------------------------------------------------------------------------

/** @internal */
export const decide = (settings: Settings, state: OperationState, event: Event): Step => {
  switch (state.phase) {
    case "submit":
      return onSubmit(settings, state, event)
    case "reconcile":
      return onReconcile(settings, state, event)
    case "confirm":
      return onConfirm(state, event)
    case "poll":
      return onPoll(settings, state, event)
  }
}

const onSubmit = (settings: Settings, state: OperationState, event: Event): Step => {
  switch (event._tag) {
    case "Answered":
      return onAnswer(settings, state, event.answer, event.now)
    case "SendFailed": {
      const error = event.error
      if (isAmbiguous(error)) {
        return untrusted(state, error.message)
      }
      const after = retryAfterMillis(error)
      if (after > settings.maxRetryAfterMillis) {
        return fail(
          state,
          state.mayHaveApplied
            ? unknown(
              state,
              `${error.message}, longer than the retry policy waits; an earlier attempt may have been applied`
            )
            : error as OperationError
        )
      }
      return wait({ ...state, failure: error }, "retry", after)
    }
    case "Delay":
      if (event.millis !== undefined) return step(state, { _tag: "Sleep", millis: event.millis })
      // Retries are over. If an attempt may have been applied, the enquiry decides what to say.
      return state.mayHaveApplied
        ? lookup(state, "exhausted")
        : state.callerId
        ? lookup(state, "earlier-run")
        : fail(state, lastFailure(state))
    case "Woke":
      return send(state)
    case "Observed":
    case "EnquiryFailed":
      return fail(state, unknown(state, `unexpected ${event._tag} while submitting`))
  }
}

const onAnswer = (settings: Settings, state: OperationState, answer: Answer, now: number): Step => {
  const handle = state.handle
  switch (answer.class) {
    case "success":
    case "pending": {
      const odd = mismatch(handle, answer.fields)
      if (odd !== undefined) {
        return untrusted(state, odd)
      }
      const accepted: OperationState = {
        ...state,
        handle: withNewSyssn(handle, answer.fields?.syssn),
        mayHaveApplied: true,
        appliedByThisRun: true
      }
      if (answer.class === "pending") {
        return startPoll(settings, { ...accepted, lastCode: answer.code }, now, now)
      }
      if (handle._tag === "CancelHandle" && settings.confirmCancellation) {
        // "A reversal does not guarantee that the user has not been charged. Always verify."
        return enquire({ ...accepted, phase: "confirm", answer: answerFields(answer.fields) })
      }
      return step(accepted, {
        _tag: "Done",
        receipt: receipt(accepted, "response", answerFields(answer.fields), undefined)
      })
    }
    case "retryable":
      // "Slow network", "bank busy": it may have been applied. Same identifiers, after a wait.
      return wait(
        {
          ...state,
          mayHaveApplied: true,
          appliedByThisRun: true,
          lastCode: answer.code,
          failure: rejected(state, answer.code, answer.resperr, answer.respmsg)
        },
        "retry"
      )
    default: {
      if (isLookupCode(handle, answer.code)) return lookup(state, "duplicate", answer.code)
      const refusal = rejected(state, answer.code, answer.resperr, answer.respmsg)
      // A refusal of a resubmission says nothing about an earlier attempt: look that up first.
      // So for an id the caller gave: an earlier run may have sent it.
      return state.mayHaveApplied
        ? lookup({ ...state, failure: refusal }, "rejected", answer.code)
        : state.callerId
        ? lookup({ ...state, failure: refusal }, "earlier-run", answer.code)
        : fail(state, refusal)
    }
  }
}

const onReconcile = (settings: Settings, state: OperationState, event: Event): Step => {
  switch (event._tag) {
    case "Delay":
      if (event.millis !== undefined) return step(state, { _tag: "Sleep", millis: event.millis })
      if (event.wait.schedule === "retry") {
        // No resubmission is left, but one look costs nothing and may settle it.
        return lookup(state, "exhausted")
      }
      return fail(state, unknown(state, enquiryDetail(state)))
    case "Woke":
      return enquire(state)
    case "Observed":
      return onFound(settings, withoutEnquiryFailure(state), event.observation, event.now)
    case "EnquiryFailed": {
      const failed = { ...state, enquiryFailure: describeEnquiryFailure(event.error) }
      if (!enquiryMayRecover(event.error)) return fail(failed, unknown(failed, enquiryDetail(failed)))
      const after = retryAfterMillis(event.error)
      if (after > settings.maxRetryAfterMillis) return fail(failed, unknown(failed, enquiryDetail(failed)))
      return wait(failed, "enquiry", after)
    }
    case "Answered":
    case "SendFailed":
      return fail(state, unknown(state, `unexpected ${event._tag} while looking the operation up`))
  }
}

// What a lookup found.
const onFound = (settings: Settings, state: OperationState, seen: Observation, now: number): Step => {
  switch (seen._tag) {
    case "Settled":
      return step(state, { _tag: "Done", receipt: receipt(state, confirmedBy(state), state.answer, seen.row) })
    case "Pending":
      return startPoll(settings, { ...state, lastCode: seen.code }, now, now)
    case "Failed":
      return fail(state, rejected(state, seen.code, seen.detail ?? seen.row.errmsg))
    case "Conflict":
      return fail(state, reused(state, seen.row))
    case "Absent":
      return onAbsent(state)
  }
}

// What an enquiry found while polling.
const onPolled = (state: OperationState, seen: Observation): Step => {
  switch (seen._tag) {
    case "Settled":
      return step(state, { _tag: "Done", receipt: receipt(state, confirmedBy(state), state.answer, seen.row) })
    case "Pending":
      // The same code as last time (as a hundred thousand polled operations say each round):
      // the same state.
      return wait(state.lastCode === seen.code ? state : { ...state, lastCode: seen.code }, "poll")
    case "Absent":
      return wait(state, "poll")
    case "Failed":
      return fail(state, rejected(state, seen.code, seen.detail ?? seen.row.errmsg))
    case "Conflict":
      return fail(state, reused(state, seen.row))
  }
}

// The enquiry does not show the operation.
const onAbsent = (state: OperationState): Step => {
  const code = state.lastCode === undefined ? "" : `${state.lastCode} ${ResponseCode.meaning(state.lastCode)}`
  switch (state.lookup) {
    case "resume":
    case "ambiguous":
    case undefined:
      // Not applied (as far as QFPay shows): send the very same request again.
      return send(state)
    case "earlier-run":
      // Nothing of this id at QFPay: the refusal (or the failure to reach QFPay) stands.
      return fail(state, lastFailure(state))
    case "exhausted":
      return fail(
        state,
        state.lostAnswer === undefined && state.failure !== undefined
          // Only QFPay's own "retry later" answers, and the enquiry shows nothing: nothing moved.
          ? lastFailure(state)
          : unknown(
            state,
            `${
              state.lostAnswer ?? "an attempt may have been applied"
            }; retries ended and the enquiry does not show the operation`
          )
      )
    case "duplicate":
      return fail(state, unknown(state, `QFPay answered ${code} but the enquiry does not show the operation (yet)`))
    case "rejected":
      return fail(
        state,
        unknown(
          state,
          `QFPay refused a resubmission (${code}) after an attempt that may have been applied (${
            state.lostAnswer ?? "an earlier answer asked to retry"
          }), and the enquiry does not show it`
        )
      )
  }
}

const describeEnquiryFailure = (error: QFPayError): string =>
  error._tag === "Rejected" ? `the enquiry answered ${error.code} ${error.meaning}` : error.message

const enquiryDetail = (state: OperationState): string =>
  `${
    state.lostAnswer ??
      (state.lastCode === undefined ? "an earlier attempt may have been applied" : `QFPay answered ${state.lastCode}`)
  }, and the enquiry could not tell: ${state.enquiryFailure ?? "no answer"}`

const onConfirm = (state: OperationState, event: Event): Step => {
  switch (event._tag) {
    case "Observed": {
      const seen = event.observation
      if (seen._tag === "Settled") {
        return step(state, { _tag: "Done", receipt: receipt(state, "enquiry", state.answer, seen.row) })
      }
      // The customer paid after all: the 0000 did not hold. Anything else (not yet visible, a
      // payment that failed) leaves nothing charged: the 0000 stands.
      if (seen._tag === "Failed" && seen.code === "1260") {
        return fail(state, rejected(state, seen.code, seen.detail ?? seen.row.errmsg))
      }
      return step(state, { _tag: "Done", receipt: receipt(state, "response", state.answer, undefined) })
    }
    case "EnquiryFailed":
      return step(state, {
        _tag: "Done",
        receipt: receipt(state, "response", state.answer, undefined),
        warning: `could not confirm the cancellation (${
          operationOf(state.handle)
        }) with an enquiry: ${event.error.message}`
      })
    default:
      return step(state, { _tag: "Done", receipt: receipt(state, "response", state.answer, undefined) })
  }
}

const onPoll = (settings: Settings, state: OperationState, event: Event): Step => {
  switch (event._tag) {
    case "Delay": {
      if (event.millis === undefined) return fail(state, stillPending(state, event.now))
      const left = (state.deadlineAt ?? event.now) - event.now
      if (event.millis <= left) return step(state, { _tag: "Sleep", millis: event.millis })
      // However short the deadline, one enquiry is made before giving up.
      return state.polls === 0
        ? step(state, { _tag: "Sleep", millis: Math.max(0, left) })
        : fail(state, stillPending(state, event.now))
    }
    case "Woke":
      return enquire(state)
    case "Observed":
      return onPolled(withoutEnquiryFailure(state), event.observation)
    case "EnquiryFailed": {
      const failed = { ...state, enquiryFailure: describeEnquiryFailure(event.error) }
      return enquiryMayRecover(event.error)
        ? wait(failed, "poll", retryAfterMillis(event.error))
        : fail(failed, stillPending(failed, event.now))
    }
    case "Answered":
    case "SendFailed":
      return fail(state, stillPending(state, event.now))
  }
}

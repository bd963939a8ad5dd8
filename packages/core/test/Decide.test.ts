/**
 * The decision table, row by row, without Effect: each row is a state, an event, and the
 * action (and the facts of the next state) the rules require. The rows follow the README's
 * guarantees table and PROTOCOL §7.
 */
import { type Handle, type OperationState, QFPayError, type Response } from "@effect-qfpay/core"
import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { type Action, decide, type Event, type Settings, start, type Step } from "../src/internal/decide.js"
import type { Observation } from "../src/internal/observe.js"

const settings: Settings = { confirmCancellation: true, maxRetryAfterMillis: 60_000, pollDeadlineMillis: 30_000 }

const refundHandle = {
  _tag: "RefundHandle",
  syssn: "20191227000200020061752831",
  out_trade_no: "R1",
  txamt: 500,
  txdtm: "2019-12-27 10:39:39"
} as Handle.RefundHandle

const cancelHandle = {
  _tag: "CancelHandle",
  operation: "reversal",
  syssn: "20191227000200020061752831",
  txamt: 500,
  txdtm: "2019-12-27 10:39:39"
} as Handle.CancelHandle

const refundRow = (fields: Partial<Response.QueryRow> = {}): Response.QueryRow =>
  ({
    syssn: "20191227000200020061759999",
    out_trade_no: "R1",
    origssn: refundHandle.syssn,
    order_type: "refund",
    txamt: 500,
    respcd: "0000",
    ...fields
  }) as Response.QueryRow

const paymentRow = (fields: Partial<Response.QueryRow> = {}): Response.QueryRow =>
  ({
    syssn: cancelHandle.syssn,
    order_type: "payment",
    txamt: 500,
    respcd: "1143",
    cancel: 0,
    ...fields
  }) as Response.QueryRow

const answered = (code: string, fields: Record<string, unknown> = {}): Event => ({
  _tag: "Answered",
  now: 1000,
  answer: {
    code,
    class: code === "0000"
      ? "success"
      : ["1143", "1145", "1298"].includes(code)
      ? "pending"
      : ["1205", "1295", "1100"].includes(code)
      ? "retryable"
      : ["1102", "2011", "1104", "1108"].includes(code)
      ? "request-error"
      : code === "1272"
      ? "refund-limit"
      : "state-conflict",
    fields: { respcd: code, ...fields } as any
  }
})

const lost = new QFPayError.TransportError({ endpoint: "refund", reason: "Timeout", ambiguous: true, detail: "lost" })
const refused = new QFPayError.TransportError({
  endpoint: "refund",
  reason: "Connect",
  ambiguous: false,
  detail: "refused"
})
const limited = (seconds: number) =>
  new QFPayError.RateLimited({ endpoint: "refund", retryAfter: Duration.seconds(seconds) })
const enquiryCode = (code: string) => QFPayError.Rejected.fromCode({ endpoint: "query", code })

const failed = (error: QFPayError.QFPayError): Event => ({ _tag: "SendFailed", now: 1000, error })
const enquiryFailed = (error: QFPayError.QFPayError): Event => ({ _tag: "EnquiryFailed", now: 1000, error })
const observed = (observation: Observation): Event => ({ _tag: "Observed", now: 1000, observation })
const delay = (schedule: "retry" | "enquiry" | "poll", millis: number | undefined, now = 1000): Event => ({
  _tag: "Delay",
  now,
  wait: { _tag: "Wait", schedule, atLeast: 0 },
  millis
})

// A refund whose out_trade_no was generated for this run (no earlier run can have sent it).
const submitted = (handle: Handle.Handle = refundHandle) =>
  start(settings, handle, "submit", 0, handle._tag === "CancelHandle").state

// Feeds events in order from a state; returns the last step.
const after = (state: OperationState.OperationState, ...events: ReadonlyArray<Event>): Step => {
  let step: Step = { state, action: { _tag: "Send" } }
  for (const event of events) step = decide(settings, step.state, event)
  return step
}

const errorOf = (action: Action) => {
  if (action._tag !== "Fail") throw new Error(`expected a failure, got ${action._tag}`)
  return action.error
}

describe("start", () => {
  it("a new operation is sent at once, its submission time recorded", () => {
    const step = start(settings, refundHandle, "submit", 42)
    expect(step.action._tag).toBe("Send")
    expect(step.state).toMatchObject({ phase: "submit", attempts: 1, mayHaveApplied: false })
    expect(step.state.handle.submitted_at).toBe(42)
  })

  it("reconcile looks the operation up before anything is sent", () => {
    const step = start(settings, refundHandle, "reconcile", 0)
    expect(step.action._tag).toBe("Enquire")
    expect(step.state).toMatchObject({ phase: "reconcile", lookup: "resume", mayHaveApplied: true, attempts: 0 })
  })

  it("poll waits the first delay counted from the submission", () => {
    const step = start(settings, { ...refundHandle, submitted_at: 5 }, "poll", 100)
    expect(step.action).toEqual({ _tag: "Wait", schedule: "poll", atLeast: 0, first: { since: 5 } })
    expect(step.state).toMatchObject({ phase: "poll", pollStartedAt: 100, deadlineAt: 30_100 })
  })
})

describe("the submit's answer", () => {
  it("0000 matching the request: settled by the response", () => {
    const step = after(submitted(), answered("0000", { syssn: "20191227000200020061759999", out_trade_no: "R1" }))
    expect(step.action._tag === "Done" && step.action.receipt).toMatchObject({
      confirmed_by: "response",
      syssn: "20191227000200020061759999",
      txamt: 500
    })
  })

  for (
    const [field, value] of [["out_trade_no", "OTHER"], ["orig_syssn", "1"], ["txamt", 999]] as const
  ) {
    it(`0000 with another ${field}: not a receipt; looked up after the retry wait`, () => {
      const step = after(submitted(), answered("0000", { [field]: value }))
      expect(step.action).toMatchObject({ _tag: "Wait", schedule: "retry" })
      expect(step.state).toMatchObject({ phase: "reconcile", lookup: "ambiguous", mayHaveApplied: true })
      expect(step.state.lostAnswer).toContain("does not match the request")
    })
  }

  it("in progress: polled, after the first delay", () => {
    const step = after(submitted(), answered("1145"))
    expect(step.action).toMatchObject({ _tag: "Wait", schedule: "poll", first: { since: 1000 } })
    expect(step.state).toMatchObject({ phase: "poll", lastCode: "1145", appliedByThisRun: true })
  })

  it("a retryable code: retried with the same identifiers, and it may have been applied", () => {
    const step = after(submitted(), answered("1295"))
    expect(step.action).toMatchObject({ _tag: "Wait", schedule: "retry" })
    expect(step.state).toMatchObject({ phase: "submit", mayHaveApplied: true })
    expect(step.state.failure?._tag).toBe("Rejected")
  })

  for (const code of ["1102", "2011"]) {
    it(`a refund answered ${code} on its first attempt: looked up, never rejected`, () => {
      const step = after(submitted(), answered(code))
      expect(step.action._tag).toBe("Enquire")
      expect(step.state).toMatchObject({ phase: "reconcile", lookup: "duplicate", lastCode: code })
    })
  }

  for (const code of ["1263", "1264", "1142", "1102"]) {
    it(`a reversal answered ${code}: looked up`, () => {
      const step = after(submitted(cancelHandle), answered(code))
      expect(step.action._tag).toBe("Enquire")
      expect(step.state.lookup).toBe("duplicate")
    })
  }

  it("a refusal with nothing applied before: Rejected at once", () => {
    const error = errorOf(after(submitted(), answered("1272")).action)
    expect(error._tag === "Rejected" && [error.code, error.class]).toEqual(["1272", "refund-limit"])
  })

  it("a refusal of an id the caller gave: looked up first (an earlier run may have sent it)", () => {
    const state = start(settings, refundHandle, "submit", 0, true).state
    const step = after(state, answered("1272"))
    expect(step.action._tag).toBe("Enquire")
    expect(step.state.lookup).toBe("earlier-run")
    const error = errorOf(after(step.state, observed({ _tag: "Absent", row: undefined })).action)
    expect(error._tag === "Rejected" && error.code).toBe("1272")
    const found = after(step.state, observed({ _tag: "Pending", code: "1145", row: refundRow({ respcd: "1145" }) }))
    expect(found.action).toMatchObject({ _tag: "Wait", schedule: "poll" })
  })

  it("a refusal after an attempt that may have been applied: looked up first", () => {
    const step = after(
      submitted(),
      answered("1295"),
      delay("retry", 500),
      { _tag: "Woke", now: 1500 },
      answered("1272")
    )
    expect(step.action._tag).toBe("Enquire")
    expect(step.state).toMatchObject({ lookup: "rejected", lastCode: "1272", attempts: 2 })
  })
})

describe("a failed exchange", () => {
  it("lost answer: may have been applied; looked up after the retry wait", () => {
    const step = after(submitted(), failed(lost))
    expect(step.action).toMatchObject({ _tag: "Wait", schedule: "retry" })
    expect(step.state).toMatchObject({ phase: "reconcile", lookup: "ambiguous", lostAnswer: lost.message })
  })

  it("refused connection: retried, nothing applied", () => {
    const step = after(submitted(), failed(refused))
    expect(step.action).toMatchObject({ _tag: "Wait", schedule: "retry" })
    expect(step.state).toMatchObject({ phase: "submit", mayHaveApplied: false })
  })

  it("429 honours Retry-After", () => {
    expect(after(submitted(), failed(limited(4))).action).toMatchObject({ _tag: "Wait", atLeast: 4000 })
  })

  it("429 with a Retry-After beyond the policy: RateLimited at once", () => {
    expect(errorOf(after(submitted(), failed(limited(3600))).action)._tag).toBe("RateLimited")
  })

  it("429 beyond the policy after an attempt that may have been applied: OutcomeUnknown", () => {
    const step = after(
      submitted(),
      failed(lost),
      delay("retry", 0),
      { _tag: "Woke", now: 1 },
      observed({
        _tag: "Absent",
        row: undefined
      }),
      failed(limited(3600))
    )
    expect(errorOf(step.action)._tag).toBe("OutcomeUnknown")
  })

  it("retries over, nothing applied: the last failure", () => {
    expect(errorOf(after(submitted(), failed(refused), delay("retry", undefined)).action)).toBe(refused)
  })

  it("retries over after a retryable answer: one last look before reporting", () => {
    const step = after(submitted(), answered("1205"), delay("retry", undefined))
    expect(step.action._tag).toBe("Enquire")
    expect(step.state.lookup).toBe("exhausted")
  })
})

describe("looking the operation up", () => {
  const lostThenLookup = () => after(submitted(), failed(lost), delay("retry", 0), { _tag: "Woke", now: 1 }).state
  const duplicateLookup = () => after(submitted(), answered("1102")).state

  it("after a lost answer, found settled: this run's refund, by enquiry", () => {
    const step = after(lostThenLookup(), observed({ _tag: "Settled", row: refundRow() }))
    expect(step.action._tag === "Done" && step.action.receipt.confirmed_by).toBe("enquiry")
  })

  it("after a duplicate on the first attempt, found settled: an earlier run's refund, found", () => {
    const step = after(duplicateLookup(), observed({ _tag: "Settled", row: refundRow() }))
    expect(step.action._tag === "Done" && step.action.receipt).toMatchObject({ confirmed_by: "found", txamt: 500 })
  })

  it("found in progress: polled", () => {
    const step = after(
      duplicateLookup(),
      observed({ _tag: "Pending", code: "1145", row: refundRow({ respcd: "1145" }) })
    )
    expect(step.action).toMatchObject({ _tag: "Wait", schedule: "poll" })
  })

  it("found failed: QFPay's own rejection of it", () => {
    const error = errorOf(
      after(duplicateLookup(), observed({ _tag: "Failed", code: "1155", row: refundRow({ respcd: "1155" }) })).action
    )
    expect(error._tag === "Rejected" && error.code).toBe("1155")
  })

  it("the id names another operation: IdempotencyKeyReused, carrying the row", () => {
    const row = refundRow({ origssn: "20000101000000000000000001" as any })
    const error = errorOf(after(duplicateLookup(), observed({ _tag: "Conflict", row })).action)
    expect(error._tag === "IdempotencyKeyReused" && error.found.origssn).toBe("20000101000000000000000001")
  })

  it("after a lost answer, not shown: the very same request again", () => {
    const step = after(lostThenLookup(), observed({ _tag: "Absent", row: undefined }))
    expect(step.action._tag).toBe("Send")
    expect(step.state).toMatchObject({ phase: "submit", attempts: 2 })
  })

  it("after a duplicate, not shown: OutcomeUnknown, never Rejected", () => {
    const error = errorOf(after(duplicateLookup(), observed({ _tag: "Absent", row: undefined })).action)
    expect(error._tag).toBe("OutcomeUnknown")
    expect(error._tag === "OutcomeUnknown" && error.detail).toContain("1102")
  })

  it("after a refused resubmission, not shown: OutcomeUnknown", () => {
    const state = after(lostThenLookup(), observed({ _tag: "Absent", row: undefined }), answered("1272")).state
    expect(state.lookup).toBe("rejected")
    expect(errorOf(after(state, observed({ _tag: "Absent", row: undefined })).action)._tag).toBe("OutcomeUnknown")
  })

  it("retryable answers until retries ended, not shown: Rejected of class retryable (nothing moved)", () => {
    const state = after(submitted(), answered("1205"), delay("retry", undefined)).state
    const error = errorOf(after(state, observed({ _tag: "Absent", row: undefined })).action)
    expect(error._tag === "Rejected" && [error.class, error.handle?.out_trade_no]).toEqual(["retryable", "R1"])
  })

  it("a lost answer and retries over, not shown: OutcomeUnknown", () => {
    const state = after(submitted(), failed(lost), delay("retry", undefined)).state
    expect(state.lookup).toBe("exhausted")
    expect(errorOf(after(state, observed({ _tag: "Absent", row: undefined })).action)._tag).toBe("OutcomeUnknown")
  })

  for (const code of ["1104", "1108", "9999"]) {
    it(`the enquiry answering ${code}: OutcomeUnknown with the code, at once`, () => {
      const error = errorOf(after(lostThenLookup(), enquiryFailed(enquiryCode(code))).action)
      expect(error._tag === "OutcomeUnknown" && error.detail).toContain(code)
    })
  }

  it("the enquiry failing in transit or answering 1145: asked again after the retry wait", () => {
    expect(after(lostThenLookup(), enquiryFailed(refused)).action).toMatchObject({ _tag: "Wait", schedule: "enquiry" })
    expect(after(lostThenLookup(), enquiryFailed(enquiryCode("1145"))).action).toMatchObject({ _tag: "Wait" })
  })

  it("enquiry retries over: OutcomeUnknown", () => {
    const step = after(lostThenLookup(), enquiryFailed(refused), delay("enquiry", undefined))
    expect(errorOf(step.action)._tag).toBe("OutcomeUnknown")
  })
})

describe("confirming a 0000 reversal", () => {
  const confirming = () => after(submitted(cancelHandle), answered("0000")).state

  it("asks the enquiry once", () => {
    const step = after(submitted(cancelHandle), answered("0000"))
    expect(step.action._tag).toBe("Enquire")
    expect(step.state.phase).toBe("confirm")
  })

  it("shown cancelled: confirmed by the enquiry", () => {
    const step = after(confirming(), observed({ _tag: "Settled", row: paymentRow({ cancel: 2 }) }))
    expect(step.action._tag === "Done" && step.action.receipt.confirmed_by).toBe("enquiry")
  })

  it("shown paid: the 0000 did not hold (Rejected 1260)", () => {
    const error = errorOf(
      after(confirming(), observed({ _tag: "Failed", code: "1260", row: paymentRow({ respcd: "0000" }) })).action
    )
    expect(error._tag === "Rejected" && error.code).toBe("1260")
  })

  it("not visible yet, or the enquiry failed: the 0000 stands", () => {
    const lag = after(confirming(), observed({ _tag: "Absent", row: paymentRow() }))
    expect(lag.action._tag === "Done" && lag.action.receipt.confirmed_by).toBe("response")
    const down = after(confirming(), enquiryFailed(refused))
    expect(down.action._tag === "Done" && down.action.warning).toContain("could not confirm")
  })
})

describe("polling", () => {
  const polling = () => after(submitted(), answered("1145")).state // started at 1000, deadline 31 000

  it("sleeps the schedule's wait inside the deadline", () => {
    expect(after(polling(), delay("poll", 3000)).action).toEqual({ _tag: "Sleep", millis: 3000 })
  })

  it("however short the deadline, one enquiry", () => {
    const step = after(polling(), delay("poll", 40_000))
    expect(step.action).toEqual({ _tag: "Sleep", millis: 30_000 })
  })

  it("past the deadline after an enquiry: StillPending with the handle", () => {
    const state = after(polling(), delay("poll", 3000), { _tag: "Woke", now: 4000 }).state
    expect(state.polls).toBe(1)
    const pending = after(state, observed({ _tag: "Pending", code: "1145", row: refundRow({ respcd: "1145" }) }))
    expect(pending.action).toMatchObject({ _tag: "Wait", schedule: "poll" })
    const error = errorOf(after(pending.state, delay("poll", 40_000, 4000)).action)
    expect(error._tag === "StillPending" && [error.attempts, error.lastCode, error.handle.out_trade_no]).toEqual([
      1,
      "1145",
      "R1"
    ])
  })

  it("the schedule over: StillPending", () => {
    expect(errorOf(after(polling(), delay("poll", undefined)).action)._tag).toBe("StillPending")
  })

  it("an enquiry failing in transit is an enquiry with no news", () => {
    expect(after(polling(), enquiryFailed(refused)).action).toMatchObject({ _tag: "Wait", schedule: "poll" })
  })

  it("a 429 while polling waits its Retry-After, which may pass the deadline", () => {
    expect(after(polling(), enquiryFailed(limited(3600))).action).toMatchObject({ atLeast: 3_600_000 })
  })

  it("an enquiry refused for good: StillPending (with why), never a rejection", () => {
    const error = errorOf(after(polling(), enquiryFailed(enquiryCode("1108"))).action)
    expect(error._tag).toBe("StillPending")
    expect(error.message).toContain("1108")
  })

  it("settled, failed, someone else's: a receipt, a rejection, IdempotencyKeyReused", () => {
    const done = after(polling(), observed({ _tag: "Settled", row: refundRow() }))
    expect(done.action._tag === "Done" && done.action.receipt.confirmed_by).toBe("enquiry")
    const no = errorOf(after(polling(), observed({ _tag: "Failed", code: "1155", row: refundRow() })).action)
    expect(no._tag).toBe("Rejected")
    const other = errorOf(after(polling(), observed({ _tag: "Conflict", row: refundRow() })).action)
    expect(other._tag).toBe("IdempotencyKeyReused")
  })
})

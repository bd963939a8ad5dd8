import { refund, reverse, undo } from "@effect-qfpay/core"
import { FaultPlan, Recording, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { bothTransports, overHttp } from "./support.js"

describe.each(bothTransports)("secrets over HTTP, %s", (transport) => {
  it.live("the client key never appears in a log line (Debug included), a span or an error; signatures are redacted", () => {
    const recording = Recording.make()
    return Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const key = sim.credential.clientKey
      const paid = yield* sim.createPayment({ txamt: 1000 })
      const unpaid = yield* sim.createPayment({ txamt: 500, state: { _tag: "Pending" } })
      yield* sim.addFaults(
        { operation: "refund", fault: FaultPlan.lostAfter },
        { operation: "query", fault: FaultPlan.serverError(502, false) },
        { operation: "reversal", fault: FaultPlan.truncatedJson }
      )
      const outcomes = yield* Effect.all([
        Effect.exit(refund({ syssn: paid.syssn, txamt: 400 })),
        Effect.exit(reverse({ syssn: unpaid.syssn, txamt: 500, txdtm: unpaid.txdtm })),
        Effect.exit(refund({ syssn: paid.syssn, txamt: 5000 })),
        Effect.exit(undo({ syssn: "20000101000000000000000000" }))
      ])
      const text = [
        recording.text(),
        ...outcomes.map((exit: Exit.Exit<unknown, unknown>) =>
          Exit.isFailure(exit) ? Cause.pretty(exit.cause) : JSON.stringify(exit.value)
        )
      ].join("\n")
      expect(recording.lines.some((line) => line.includes("DEBUG"))).toBe(true)
      expect(recording.spans.some((span) => span.includes("http.client"))).toBe(true)
      expect(text).not.toContain(key)
      // The transport's spans show the request headers, with the signature redacted.
      const signatures = (yield* sim.requestLog).map((e) => e.signature!).filter(Boolean)
      expect(signatures.length).toBeGreaterThan(3)
      for (const signature of signatures) expect(text).not.toContain(signature)
      const headerAttributes = recording.spans.filter((span) => span.includes("http.request.header.x-qf-sign"))
      expect(headerAttributes.length).toBeGreaterThan(0)
      expect(headerAttributes.every((span) => span.includes("<redacted>"))).toBe(true)
    }).pipe(recording.instrument, Effect.provide(overHttp(transport)))
  })
})

/**
 * `qfpay demo`: what a merchant meets, against an embedded sandbox over real HTTP.
 *
 * @since 0.1.0
 */
import { close, PollPolicy, type QFPayError, Query, refund, reverse, undo } from "@effect-qfpay/core"
import { Durable } from "@effect-qfpay/durable"
import { Behaviour, FaultPlan, SandboxServer } from "@effect-qfpay/testing"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as DurableCli from "./Durable.js"
import * as Target from "./Target.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface DemoResult {
  readonly steps: ReadonlyArray<{ readonly step: string; readonly ok: boolean; readonly detail: string }>
  readonly refunds: number
  readonly refunded: number
}

const describeError = (error: QFPayError.QFPayError): string => error.message

// The qfpay executable next to this module (dist/bin.js).
const binPath = () => fileURLToPath(new URL("./bin.js", import.meta.url))

/**
 * Runs the walkthrough. `say` prints a line for people.
 *
 * @since 0.1.0
 * @category demo
 */
export const run = (options: {
  readonly say: (line: string) => Effect.Effect<void>
  readonly pollInterval: Duration.Duration
}) =>
  Effect.gen(function*() {
    const sandbox = yield* SandboxServer.SandboxServer
    const sim = sandbox.simulator
    const steps: Array<{ step: string; ok: boolean; detail: string }> = []
    const record = (step: string, ok: boolean, detail: string) =>
      Effect.zipRight(
        Effect.sync(() => steps.push({ step, ok, detail })),
        options.say(`  ${ok ? "✓" : "✗"} ${detail}`)
      )
    const heading = (text: string) => options.say(`\n${text}`)
    const attempt = <A, R>(effect: Effect.Effect<A, QFPayError.QFPayError, R>) => Effect.either(effect)

    yield* options.say(`QFPay demo against an embedded sandbox at ${sandbox.url} (real HTTP, signed requests).`)

    // 1. A partial refund, then the rest.
    yield* heading("1. A paid order of 10.00 HKD: refund 4.00, then the remaining 6.00")
    const paid = yield* sim.createPayment({ txamt: 1000, pay_type: "800101", out_trade_no: "DEMO-ORDER-1" })
    yield* options.say(`  payment ${paid.syssn} paid, 1000 cents`)
    const first = yield* attempt(refund({ syssn: paid.syssn, txamt: 400 }))
    yield* record(
      "partial refund",
      Either.isRight(first),
      Either.match(first, {
        onLeft: describeError,
        onRight: (r) => `refunded ${r.txamt} cents (refund ${r.syssn}, out_trade_no ${r.out_trade_no})`
      })
    )
    const rest = yield* attempt(refund({ syssn: paid.syssn, txamt: 600 }))
    yield* record(
      "refund the rest",
      Either.isRight(rest),
      Either.match(rest, {
        onLeft: describeError,
        onRight: (r) => `refunded the remaining ${r.txamt} cents (refund ${r.syssn})`
      })
    )

    // 2. Over the limit.
    yield* heading("2. Refund 5.00 of a 3.00 order")
    const small = yield* sim.createPayment({ txamt: 300, pay_type: "800208" })
    const over = yield* attempt(refund({ syssn: small.syssn, txamt: 500 }))
    yield* record(
      "over-limit refund refused",
      Either.isLeft(over) && over.left._tag === "Rejected" && over.left.code === "1272",
      Either.match(over, {
        onLeft: (e) => `refused as expected: ${describeError(e)}`,
        onRight: () => "unexpectedly settled"
      })
    )

    // 3. Reversal that answers "in progress".
    yield* heading("3. Reverse an unpaid Alipay MPM order (800101); QFPay answers 'in progress'")
    const mpm = yield* sim.createPayment({
      txamt: 2500,
      pay_type: "800101",
      out_trade_no: "DEMO-ORDER-3",
      state: { _tag: "Pending", code: "1143" }
    })
    yield* sim.script("DEMO-ORDER-3", Behaviour.pending({ code: "1145", afterEnquiries: 2 }))
    const reversal = yield* attempt(reverse({ syssn: mpm.syssn, txamt: 2500, txdtm: mpm.txdtm }))
    yield* record(
      "reversal polled to settlement",
      Either.isRight(reversal) && reversal.right.enquiries >= 2,
      Either.match(reversal, {
        onLeft: describeError,
        onRight: (r) => `reversed after ${r.enquiries} enquiries (reversal ${r.syssn})`
      })
    )

    // 4. Close.
    yield* heading("4. Close an unpaid WeChat CPM order (800208)")
    const cpm = yield* sim.createPayment({ txamt: 1800, pay_type: "800208", state: { _tag: "Pending", code: "1143" } })
    const closed = yield* attempt(close({ syssn: cpm.syssn, txamt: 1800, txdtm: cpm.txdtm }))
    yield* record(
      "close",
      Either.isRight(closed),
      Either.match(closed, {
        onLeft: describeError,
        onRight: (r) => `closed (GET /trade/v1/close, new transaction ${r.syssn})`
      })
    )

    // 5. Undo, whatever the state.
    yield* heading("5. Undo: a paid order is refunded, an unpaid one cancelled")
    const paid5 = yield* sim.createPayment({ txamt: 4200, pay_type: "801501" })
    const unpaid5 = yield* sim.createPayment({
      txamt: 990,
      pay_type: "801008",
      state: { _tag: "Pending", code: "1143" }
    })
    const undoPaid = yield* attempt(undo({ syssn: paid5.syssn }))
    yield* record(
      "undo paid",
      Either.isRight(undoPaid) && undoPaid.right._tag === "Refunded",
      Either.match(undoPaid, {
        onLeft: describeError,
        onRight: (r) =>
          `paid order: ${
            r._tag === "NothingToUndo"
              ? r.description
              : `${r._tag.toLowerCase()} by ${r.receipt.operation}, ${r.receipt.txamt} cents`
          }`
      })
    )
    const undoUnpaid = yield* attempt(undo({ syssn: unpaid5.syssn }))
    yield* record(
      "undo unpaid",
      Either.isRight(undoUnpaid) && undoUnpaid.right._tag === "Cancelled",
      Either.match(undoUnpaid, {
        onLeft: describeError,
        onRight: (r) =>
          `unpaid order: ${
            r._tag === "NothingToUndo" ? r.description : `${r._tag.toLowerCase()} by ${r.receipt.operation}`
          }`
      })
    )
    const again = yield* attempt(undo({ syssn: paid5.syssn }))
    yield* record(
      "undo twice changes nothing",
      Either.isRight(again) && again.right._tag === "NothingToUndo",
      Either.match(again, {
        onLeft: describeError,
        onRight: (r) => `undo again: ${r._tag === "NothingToUndo" ? r.description : "unexpectedly acted"}`
      })
    )

    // 6. A lost answer.
    yield* heading("6. Refund 7.00; the answer is lost in transit after QFPay applied it")
    const paid6 = yield* sim.createPayment({ txamt: 700, pay_type: "800201" })
    yield* sim.addFaults({ operation: "refund", fault: FaultPlan.lostAfter })
    const lost = yield* attempt(refund({ syssn: paid6.syssn, txamt: 700 }))
    const refunds6 = yield* sim.refundsOf(paid6.syssn)
    const submits6 = (yield* sim.requestLog).filter((e) => e.operation === "refund" && e.params.syssn === paid6.syssn)
    yield* record(
      "lost answer reconciled without refunding twice",
      Either.isRight(lost) && lost.right.confirmed_by === "enquiry" && refunds6.length === 1 && submits6.length === 1,
      Either.match(lost, {
        onLeft: describeError,
        onRight: (r) =>
          `the connection dropped; the enquiry found refund ${r.syssn}, so nothing was sent again (${refunds6.length} refund, ${submits6.length} submit)`
      })
    )

    // 7. A crash mid-refund, and the restart that settles it.
    yield* heading(
      "7. A durable refund of 8.00; the process is killed (SIGKILL) mid-refund, and a second run resumes it"
    )
    const paid7 = yield* sim.createPayment({ txamt: 800, pay_type: "800101" })
    // The SQLite driver is an optional dependency (npm install --omit=optional leaves it out).
    const driver = yield* Effect.either(DurableCli.available("Sqlite"))
    if (Either.isLeft(driver)) {
      yield* options.say(`  – skipped: ${driver.left.message}`)
    } else {
      const intent = `demo-crash-${paid7.syssn}`
      const dir = yield* Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "qfpay-demo-")))
      const db = Path.join(dir, "durable.db")
      // The sandbox takes two seconds to answer: the kill lands with the refund on the wire.
      yield* sim.addFaults({ operation: "refund", fault: FaultPlan.latency(2000) })
      const killed = yield* Effect.async<{ readonly code: number | null; readonly signal: string | null }>((resume) => {
        const child = ChildProcess.spawn(process.execPath, [
          binPath(),
          "refund",
          "--durable",
          "--intent",
          intent,
          "--db",
          db,
          "--syssn",
          paid7.syssn,
          "--amount",
          "800",
          "--env",
          sandbox.url
        ], {
          env: {
            PATH: process.env.PATH ?? "",
            QFPAY_APP_CODE: sim.credential.appCode,
            QFPAY_CLIENT_KEY: sim.credential.clientKey
          },
          stdio: "ignore"
        })
        // Killed half a second after its database appears: the intent is recorded, and its refund
        // is on the wire, waiting for the sandbox's slow answer.
        const deadline = Date.now() + 15_000
        let seen: number | undefined
        const watch = setInterval(() => {
          if (seen === undefined && Fs.existsSync(db)) seen = Date.now()
          if ((seen !== undefined && Date.now() - seen >= 500) || Date.now() > deadline) {
            clearInterval(watch)
            child.kill("SIGKILL")
          }
        }, 25)
        child.on("exit", (code, signal) => {
          clearInterval(watch)
          resume(Effect.succeed({ code, signal }))
        })
      })
      yield* options.say(
        `  the first run was killed (${killed.signal ?? `exit ${killed.code}`}) with the refund in flight`
      )
      const resumed = yield* Effect.either(
        Durable.refund(intent, { syssn: paid7.syssn, txamt: 800 }).pipe(
          Effect.provide(DurableCli.engine({ _tag: "Sqlite", filename: db }, false))
        )
      )
      const refunds7 = yield* sim.refundsOf(paid7.syssn)
      yield* record(
        "killed mid-refund, resumed once",
        killed.signal === "SIGKILL" && Either.isRight(resumed) && refunds7.length === 1 &&
          refunds7[0].respcd === "0000",
        Either.match(resumed, {
          onLeft: (e) => (e instanceof Error ? e.message : String(e)),
          onRight: (r) =>
            `the second run found the intent recorded and settled it: refund ${r.syssn} (${refunds7.length} refund at QFPay)`
        })
      )
      yield* Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    }

    const found = yield* Query.query({
      syssn: [paid.syssn, mpm.syssn, cpm.syssn, paid5.syssn, unpaid5.syssn, paid6.syssn, paid7.syssn]
    })
    const all = yield* sim.transactions
    const refunds = all.filter((t) => t.kind === "refund" && t.respcd === "0000")
    const payments = all.filter((t) => t.kind === "payment")
    const overRefunded = payments.filter((p) => p.refunded > p.txamt)
    yield* heading("Summary")
    yield* options.say(`  ${steps.filter((s) => s.ok).length} of ${steps.length} steps as expected`)
    yield* options.say(
      `  ${refunds.length} refunds settled for ${refunds.reduce((s, r) => s + r.txamt, 0)} cents; ${
        found.rows.filter((r) => r.cancel === 1 || r.cancel === 2).length
      } orders cancelled`
    )
    yield* options.say(`  ${
      overRefunded.length === 0
        ? "no payment refunded beyond its amount"
        : `${overRefunded.length} payments over-refunded!`
    }; ${(yield* sim.requestLog).length} signed requests, all verified: ${
      (yield* sim.requestLog).every((e) => e.signatureOk)
    }`)
    if (overRefunded.length > 0) steps.push({ step: "no over-refund", ok: false, detail: "over-refunded" })
    return { steps, refunds: refunds.length, refunded: refunds.reduce((s, r) => s + r.txamt, 0) } satisfies DemoResult
  })

/**
 * The embedded sandbox and the HTTP layer pointed at it, polling every `pollInterval`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (pollInterval: Duration.Duration) =>
  Target.sandboxLayer({
    poll: PollPolicy.make({ firstDelay: pollInterval, interval: pollInterval, deadline: "30 seconds" }),
    announce: false
  })

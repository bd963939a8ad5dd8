/**
 * Issue #10 on the command line: a signal during a money command with a request in flight
 * prints the operation's handle and the command that reconciles it (exit 4), and a server
 * asking to wait an hour is answered at once.
 */
import { FaultPlan, SandboxServer, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { execFile, spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/bin.js")

const env = {
  PATH: process.env.PATH ?? "",
  QFPAY_APP_CODE: Simulator.demoCredential.appCode,
  QFPAY_CLIENT_KEY: Simulator.demoCredential.clientKey
}

const sandbox = Layer.fresh(SandboxServer.layer({ simulator: { credentials: [Simulator.demoCredential] } }))
const withSandbox = <A, E>(f: (s: SandboxServer.Service) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Layer.build(sandbox), (ctx) => f(Context.get(ctx, SandboxServer.SandboxServer))))

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

// Runs qfpay, sending `signal` after `after` milliseconds when given.
const qfpay = (args: ReadonlyArray<string>, signal?: { readonly name: NodeJS.Signals; readonly after: number }) =>
  Effect.async<Run>((resume) => {
    const started = Date.now()
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timer = signal === undefined ? undefined : setTimeout(() => child.kill(signal.name), signal.after)
    child.on("exit", (code) => {
      if (timer !== undefined) clearTimeout(timer)
      resume(Effect.succeed({ code, stdout, stderr, millis: Date.now() - started }))
    })
  })

const run = (args: ReadonlyArray<string>) =>
  Effect.async<Run>((resume) => {
    const started = Date.now()
    execFile(process.execPath, [bin, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resume(Effect.succeed({
        code: error === null ? 0 : typeof error.code === "number" ? error.code : 99,
        stdout,
        stderr,
        millis: Date.now() - started
      })))
  })

describe("qfpay and signals", () => {
  it.live(
    "SIGTERM with a refund in flight: the handle and the reconcile command, exit 4; reconciling settles it once",
    () =>
      withSandbox((s) =>
        Effect.gen(function*() {
          const p = yield* s.simulator.createPayment({ txamt: 1000 })
          // The sandbox answers the refund only after 5 s (it has not applied it yet).
          yield* s.simulator.addFaults({ operation: "refund", fault: FaultPlan.latency(5_000) })
          const interrupted = yield* qfpay(
            ["refund", "--env", s.url, "--syssn", p.syssn, "--amount", "300", "--json"],
            { name: "SIGTERM", after: 2000 }
          )
          expect(interrupted.code).toBe(4)
          const answer = JSON.parse(interrupted.stdout.trim())
          expect(answer).toMatchObject({ status: "unknown", signal: "SIGTERM", orig_syssn: p.syssn, txamt: 300 })
          expect(answer.resume).toMatch(/^qfpay poll --reconcile --env ".+" \S+$/)
          expect(answer.out_trade_no).toMatch(/^[A-Z0-9]{32}$/)
          // The resume command, as printed, settles the refund, exactly once.
          const resumed = yield* run([
            ...answer.resume.split(" ").slice(1).map((a: string) => a.replace(/^"|"$/g, "")),
            "--json"
          ])
          expect(resumed.code).toBe(0)
          expect(JSON.parse(resumed.stdout.trim())).toMatchObject({
            status: "settled",
            out_trade_no: answer.out_trade_no
          })
          yield* Effect.sleep("4 seconds") // the delayed first request lands, as a duplicate
          expect(yield* s.simulator.refundedTotal(p.syssn)).toBe(300)
          expect(yield* s.simulator.refundsOf(p.syssn)).toHaveLength(1)
        })
      ),
    60_000
  )

  it.live(
    "SIGINT as text: the sentence, the handle and the command on stderr",
    () =>
      withSandbox((s) =>
        Effect.gen(function*() {
          const p = yield* s.simulator.createPayment({ txamt: 1000 })
          yield* s.simulator.addFaults({ operation: "refund", fault: FaultPlan.latency(10_000) })
          const interrupted = yield* qfpay(["refund", "--env", s.url, "--syssn", p.syssn, "--amount", "100"], {
            name: "SIGINT",
            after: 2500
          })
          expect(interrupted.code).toBe(4)
          expect(interrupted.stderr).toContain("Interrupted by SIGINT")
          expect(interrupted.stderr).toMatch(/Reconcile with: qfpay poll --reconcile/)
        })
      ),
    60_000
  )

  it.live("Retry-After: 3600 is answered at once, not waited for", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 1000 })
        yield* s.simulator.addFaults({ operation: "refund", fault: FaultPlan.rateLimited(3600) })
        const limited = yield* run([
          "refund",
          "--env",
          s.url,
          "--syssn",
          p.syssn,
          "--amount",
          "100",
          "--json",
          "--poll-deadline",
          "20"
        ])
        // (Waiting the hour would outlast the test's own time limit.)
        expect(JSON.parse(limited.stdout.trim()).message).toContain("retry after 1h")
        expect(yield* s.simulator.refundsOf(p.syssn)).toHaveLength(0)
      })
    ), 60_000)
})

/**
 * The built `qfpay` binary, spawned as a user runs it, against a sandbox server this test
 * starts on loopback. Build first (`pnpm build`; `pnpm test` does).
 */
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { execFile } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/bin.js")

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const qfpay = (args: ReadonlyArray<string>, env: Record<string, string> = {}, stdin?: string): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null
          ? 0
          : typeof (error as { code?: unknown }).code === "number"
          ? (error as { code: number }).code
          : 99
        resume(Effect.succeed({ code, stdout, stderr }))
      }
    )
    if (stdin !== undefined) child.stdin?.end(stdin)
    else child.stdin?.end()
  })

const credentials = {
  QFPAY_APP_CODE: Simulator.demoCredential.appCode,
  QFPAY_CLIENT_KEY: Simulator.demoCredential.clientKey
}

// One sandbox for the file; each test makes its own payments.
const sandbox = Layer.fresh(SandboxServer.layer({ simulator: { credentials: [Simulator.demoCredential] } }))

const withSandbox = <A, E>(f: (s: SandboxServer.Service) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Layer.build(sandbox), (ctx) => f(Context.get(ctx, SandboxServer.SandboxServer))))

// With --json, stdout holds exactly one JSON object (logs and progress go to stderr).
const json = (run: Run): any => {
  const lines = run.stdout.trim().split("\n")
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0])
}

describe("qfpay", () => {
  it("is built", () => {
    expect(existsSync(bin)).toBe(true)
  })

  it.live("refund: settles, prints one JSON object, exit 0", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 1000 })
        const run = yield* qfpay(
          ["refund", "--env", s.url, "--syssn", p.syssn, "--amount", "400", "--json"],
          credentials
        )
        expect(run.code).toBe(0)
        expect(json(run)).toMatchObject({ status: "settled", orig_syssn: p.syssn, respcd: "0000", txamt: 400 })
        expect(json(run).syssn).toMatch(/^\d{26}$/)
        expect(json(run).out_trade_no).toMatch(/^[A-Z0-9]{32}$/)
        expect(yield* s.simulator.refundedTotal(p.syssn)).toBe(400)
        const text = yield* qfpay([
          "refund",
          "--env",
          s.url,
          "--syssn",
          p.syssn,
          "--amount",
          "600",
          "--out-trade-no",
          "CLI-R2"
        ], credentials)
        expect(text.code).toBe(0)
        expect(text.stdout).toContain("Refund settled: 600 cents")
        expect(text.stdout).toContain("CLI-R2")
      })
    ))

  it.live("refused by QFPay: exit 2 with the code and its meaning", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 100 })
        const run = yield* qfpay(["refund", "--env", s.url, "--syssn", p.syssn, "--amount", "500"], credentials)
        expect(run.code).toBe(2)
        expect(run.stderr).toContain("1272")
        expect(run.stderr).toContain("exceeds the amount that can still be refunded")
        const asJson = yield* qfpay(
          ["refund", "--env", s.url, "--syssn", p.syssn, "--amount", "500", "--json"],
          credentials
        )
        expect(json(asJson)).toMatchObject({ status: "rejected", respcd: "1272" })
      })
    ))

  it.live("bad input: exit 1, a readable sentence, and nothing sent", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 1000, state: { _tag: "Pending" } })
        const base = ["--env", s.url]
        const runs = yield* Effect.all([
          qfpay(["refund", ...base, "--syssn", p.syssn, "--amount", "-5"], credentials),
          qfpay(["refund", ...base, "--syssn", p.syssn, "--amount", "abc"], credentials),
          qfpay(
            ["refund", ...base, "--syssn", p.syssn, "--amount", "10", "--out-trade-no", "x".repeat(200)],
            credentials
          ),
          qfpay(
            ["reverse", ...base, "--syssn", p.syssn, "--amount", "1000", "--txdtm", "2026-11-22T10:00:00"],
            credentials
          ),
          qfpay(
            ["close", ...base, "--syssn", p.syssn, "--amount", "1000", "--txdtm", "2026-02-30 10:00:00"],
            credentials
          ),
          qfpay(["reverse", ...base, "--amount", "1000", "--txdtm", "2026-11-22 10:00:00"], credentials),
          qfpay([
            "cancel",
            ...base,
            "--syssn",
            p.syssn,
            "--amount",
            "1000",
            "--txdtm",
            "2026-11-22 10:00:00",
            "--pay-type",
            "899999"
          ], credentials),
          qfpay(["refund", ...base, "--syssn", p.syssn, "--amount", "10", "--poll-interval", "soon"], credentials)
        ], { concurrency: 4 })
        for (const run of runs) {
          expect(run.code).toBe(1)
          expect(run.stderr.trim().split("\n").length).toBeLessThanOrEqual(2)
          expect(run.stderr).toContain("Nothing was sent.")
          expect(run.stderr).not.toMatch(/\s+at .+:\d+:\d+/)
        }
        expect(runs[0].stderr).toContain(
          "txamt (--amount): expected a positive whole number of cents (1 to 99999999999), got -5"
        )
        expect(runs[1].stderr).toContain(`got "abc"`)
        expect(runs[2].stderr).toContain("at most 128 characters, got 200")
        expect(runs[3].stderr).toContain("txdtm (--txdtm)")
        expect(runs[5].stderr).toContain("syssn or out_trade_no")
        expect(runs[6].stderr).toContain("899999")
        expect(runs[7].stderr).toContain("--poll-interval")
        expect(yield* s.simulator.requestLog).toEqual([])
        const asJson = yield* qfpay(["refund", ...base, "--syssn", p.syssn, "--amount", "-5", "--json"], credentials)
        expect(json(asJson)).toMatchObject({ status: "invalid" })
      })
    ))

  it.live("configuration: a missing variable is named, exit 1", () =>
    Effect.gen(function*() {
      const run = yield* qfpay(["refund", "--syssn", "1", "--amount", "10", "--env", "test"], { QFPAY_APP_CODE: "APP" })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain("QFPAY_CLIENT_KEY is not set")
      const badEnv = yield* qfpay(["refund", "--syssn", "1", "--amount", "10", "--env", "staging"], credentials)
      expect(badEnv.code).toBe(1)
      expect(badEnv.stderr).toContain("--env")
      expect(badEnv.stderr).toContain("production, test, sandbox")
    }))

  it.live("still pending at the deadline: exit 3 and the exact command to resume, which settles it", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 2000 })
        yield* s.simulator.script("CLI-PENDING", {
          _tag: "Pending",
          code: "1145",
          settles: { _tag: "Never" },
          failWith: undefined
        })
        const args = [
          "refund",
          "--env",
          s.url,
          "--syssn",
          p.syssn,
          "--amount",
          "1000",
          "--out-trade-no",
          "CLI-PENDING",
          "--poll-interval",
          "0.1",
          "--poll-deadline",
          "0.5"
        ]
        const run = yield* qfpay(args, credentials)
        expect(run.code).toBe(3)
        expect(run.stderr).toContain("still in progress")
        const resume = /Resume with: (qfpay poll .+)$/m.exec(run.stderr)?.[1]
        expect(resume).toBeDefined()
        expect(resume).toContain(`--env "${s.url}"`)
        // The same refund id again is the same intent: QFPay's "duplicate" is looked up, the refund
        // in progress is found and followed (still pending here), and nothing is refunded twice.
        const again = yield* qfpay([...args, "--json"], credentials)
        expect([again.code, json(again).status, json(again).out_trade_no]).toEqual([3, "pending", "CLI-PENDING"])
        expect(yield* s.simulator.refundsOf(p.syssn)).toHaveLength(1)
        yield* s.simulator.script("CLI-PENDING-2", {
          _tag: "Pending",
          code: "1145",
          settles: { _tag: "Never" },
          failWith: undefined
        })
        const asJson = yield* qfpay(
          [...args.map((a) => (a === "CLI-PENDING" ? "CLI-PENDING-2" : a === "1000" ? "1" : a)), "--json"],
          credentials
        )
        expect(asJson.code).toBe(3)
        expect(json(asJson)).toMatchObject({ status: "pending", respcd: "1145", out_trade_no: "CLI-PENDING-2" })
        expect(json(asJson).resume).toMatch(/^qfpay poll --env "http:\/\/127\.0\.0\.1:\d+" [A-Za-z0-9_-]+$/)
        // Let it settle, then resume exactly as printed.
        const refundRow = Option.getOrThrow(yield* s.simulator.transaction("CLI-PENDING"))
        expect(refundRow.respcd).toBe("1145")
        const resumeArgs = resume!.replace(/^qfpay /, "").match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ""))
        // QFPay settles it meanwhile (through the sandbox's admin route, as a script would).
        const settled = yield* Effect.promise(() =>
          fetch(`${s.url}/_sandbox/transactions/CLI-PENDING/settle`, { method: "POST", body: "{}" }).then((r) =>
            r.status
          )
        )
        expect(settled).toBe(200)
        const resumed = yield* qfpay([...resumeArgs, "--poll-interval", "0.1", "--json"], credentials)
        expect(resumed.code).toBe(0)
        expect(json(resumed)).toMatchObject({ status: "settled", out_trade_no: "CLI-PENDING", txamt: 1000 })
        expect((yield* s.simulator.refundsOf(p.syssn)).map((r) => r.out_trade_no)).toEqual([
          "CLI-PENDING",
          "CLI-PENDING-2"
        ])
      })
    ))

  it.live("reverse, close, cancel, undo and query through the binary", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const base = ["--env", s.url, "--json"]
        const mpm = yield* s.simulator.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
        const cpm = yield* s.simulator.createPayment({ txamt: 500, pay_type: "800208", state: { _tag: "Pending" } })
        const other = yield* s.simulator.createPayment({ txamt: 500, pay_type: "801008", state: { _tag: "Pending" } })
        const paid = yield* s.simulator.createPayment({ txamt: 900 })
        const reversed = yield* qfpay([
          "reverse",
          ...base,
          "--out-trade-no",
          mpm.out_trade_no,
          "--amount",
          "500",
          "--txdtm",
          mpm.txdtm
        ], credentials)
        expect([reversed.code, json(reversed).operation]).toEqual([0, "reversal"])
        const closed = yield* qfpay(
          ["close", ...base, "--syssn", cpm.syssn, "--amount", "500", "--txdtm", cpm.txdtm],
          credentials
        )
        expect([closed.code, json(closed).operation]).toEqual([0, "close"])
        const cancelled = yield* qfpay([
          "cancel",
          ...base,
          "--syssn",
          other.syssn,
          "--amount",
          "500",
          "--txdtm",
          other.txdtm,
          "--pay-type",
          "801008"
        ], credentials)
        expect([cancelled.code, json(cancelled).operation]).toEqual([0, "close"])
        const undone = yield* qfpay(["undo", ...base, "--syssn", paid.syssn, "--amount", "100"], credentials)
        expect([undone.code, json(undone).action, json(undone).txamt]).toEqual([0, "refund", 100])
        const nothing = yield* qfpay(["undo", ...base, "--syssn", mpm.syssn], credentials)
        expect([nothing.code, json(nothing).action, json(nothing).reason]).toEqual([0, "none", "already-cancelled"])
        const missing = yield* qfpay(["undo", ...base, "--syssn", "20000101000000000000000000"], credentials)
        expect([missing.code, json(missing).status, json(missing).respcd]).toEqual([2, "rejected", "1268"])
        const found = yield* qfpay(["query", ...base, "--syssn", `${mpm.syssn},${paid.syssn}`], credentials)
        expect(found.code).toBe(0)
        expect(json(found).rows.map((r: any) => r.syssn).sort()).toEqual([mpm.syssn, paid.syssn].sort())
        const table = yield* qfpay(["query", "--env", s.url, "--syssn", paid.syssn], credentials)
        expect(table.stdout).toMatch(/syssn\s+out_trade_no\s+type/)
        expect(table.stdout).toContain(paid.syssn)
      })
    ))

  it.live("with --json, a warning goes to stderr and stdout stays one JSON object", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
        // The confirming enquiry fails: the reversal stands, with a warning.
        yield* s.simulator.addFaults({
          operation: "query",
          fault: { _tag: "ServerError", status: 404, applied: false }
        })
        const run = yield* qfpay([
          "reverse",
          "--env",
          s.url,
          "--syssn",
          p.syssn,
          "--amount",
          "500",
          "--txdtm",
          p.txdtm,
          "--json"
        ], credentials)
        expect(run.code).toBe(0)
        expect(json(run)).toMatchObject({ status: "settled", operation: "reversal", confirmed_by: "response" })
        expect(run.stderr).toContain("could not confirm the cancellation")
      })
    ))

  it.live("a transport failure: exit 4", () =>
    Effect.gen(function*() {
      const run = yield* qfpay(
        ["refund", "--env", "http://127.0.0.1:9", "--syssn", "1", "--amount", "10", "--json"],
        credentials
      )
      expect(run.code).toBe(4)
      expect(json(run).status).toBe("unknown")
    }))

  it.live("verify-notification reads the body on stdin", () =>
    Effect.gen(function*() {
      const body = `{"notify_type": "payment", "syssn": "20200514000300020093755455", "txamt": "10", "respcd": "0000"}`
      const { Signature } = yield* Effect.promise(() => import("@effect-qfpay/core"))
      const signature = Signature.signNotification(body, "NOTIFY-KEY-123")
      const ok = yield* qfpay(["verify-notification", "--signature", signature.toLowerCase(), "--json"], {
        QFPAY_CLIENT_KEY: "NOTIFY-KEY-123"
      }, body)
      expect(ok.code).toBe(0)
      expect(json(ok)).toMatchObject({ status: "verified", identity: "payment:20200514000300020093755455", txamt: 10 })
      expect(json(ok).message).not.toContain("Nothing was sent")
      const bad = yield* qfpay(["verify-notification", "--signature", signature], { QFPAY_CLIENT_KEY: "OTHER" }, body)
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain("signature")
      expect(bad.stderr).not.toContain("Nothing was sent")
      expect(bad.stderr + bad.stdout).not.toContain("NOTIFY-KEY-123")
      const badJson = yield* qfpay(
        ["verify-notification", "--signature", signature, "--json"],
        { QFPAY_CLIENT_KEY: "OTHER" },
        body
      )
      expect([badJson.code, json(badJson).status]).toEqual([1, "invalid"])
      expect(json(badJson).message).not.toContain("Nothing was sent")
      expect(json(badJson).message).toMatch(/\.$/)
    }))

  it.live("never prints the client key, at any log level", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 1000 })
        const env = { ...credentials, QFPAY_LOG_LEVEL: "all" }
        const runs = yield* Effect.all([
          qfpay(["refund", "--env", s.url, "--syssn", p.syssn, "--amount", "100"], env),
          qfpay(["refund", "--env", s.url, "--syssn", p.syssn, "--amount", "99999"], env),
          qfpay(["query", "--env", s.url, "--syssn", p.syssn, "--json"], env)
        ], { concurrency: 3 })
        for (const run of runs) expect(run.stdout + run.stderr).not.toContain(credentials.QFPAY_CLIENT_KEY)
        expect(runs.some((run) => run.stderr.includes("level=DEBUG"))).toBe(true)
      })
    ))

  it.live("demo: the main job runs against its embedded sandbox", () =>
    Effect.gen(function*() {
      const run = yield* qfpay(["demo"])
      expect(run.code).toBe(0)
      expect(run.stdout).toContain("Demo complete: every step behaved as expected.")
      expect(run.stdout).toContain("no payment refunded beyond its amount")
    }))

  // The binary's wiring: what `main` answers (tested in-process in Main.test.ts) reaches stdout
  // and the exit code, with --json even for a line the parser rejects.
  it.live("hostile input and parse failures: exit 1, one JSON object on stdout, never a crash", () =>
    Effect.gen(function*() {
      const refund = ["refund", "--syssn", "1", "--amount", "10", "--json"]
      const runs = yield* Effect.all([
        qfpay(refund, { ...credentials, QFPAY_ENV: "constructor" }),
        qfpay([...refund, "--env", "__proto__"], credentials),
        qfpay([...refund, "--env"], credentials),
        qfpay(["refund", "--json", "--bogus"], credentials),
        qfpay(["nope", "--json"], credentials)
      ], { concurrency: 5 })
      for (const run of runs) {
        expect(run.code).toBe(1)
        expect(json(run).status).toBe("invalid")
        expect(json(run).message).toMatch(/\. Nothing was sent\.$/)
        expect(run.stderr).not.toContain("internal error")
      }
      expect(json(runs[0]).message).toContain(`QFPAY_ENV must be production, test, sandbox or a base URL`)
      expect(json(runs[1]).message).toContain(`--env must be production, test, sandbox or a base URL`)
      expect(json(runs[2]).message).toContain("--env needs a value")
      expect(json(runs[3]).message).toContain("--bogus")
    }))

  it.live("a fresh `qfpay --help` and `qfpay refund --help` read as described, without colour off a terminal", () =>
    Effect.gen(function*() {
      const [top, refund] = yield* Effect.all([qfpay(["--help"]), qfpay(["refund", "--help"])], { concurrency: 2 })
      for (const run of [top, refund]) {
        expect(run.code).toBe(0)
        expect(run.stderr).toBe("")
        expect(run.stdout).not.toContain("\u001b[")
        expect(run.stdout).not.toMatch(/--wizard|This setting is optional|A user-defined piece of text/)
      }
      expect(top.stdout).toMatch(/^Usage: qfpay <command>/m)
      expect(top.stdout).toMatch(/^ {2}refund\s+Refund a successful payment/m)
      expect(top.stdout).toMatch(/^ {2}QFPAY_CLIENT_KEY\s/m)
      expect(top.stdout).toMatch(/^Exit codes:/m)
      expect(refund.stdout).toMatch(/^Usage: qfpay refund --syssn <syssn> --amount <cents> \[options\]$/m)
      expect(refund.stdout).toMatch(/^Required:\n {2}--syssn <syssn>.*\n {2}--amount <cents>.*1000 is 10\.00/m)
      expect(refund.stdout).not.toMatch(/--completions|--host|--signature|--sandbox/)
    }))

  it.live("--log-level is accepted before or after the command, and wins over QFPAY_LOG_LEVEL", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const p = yield* s.simulator.createPayment({ txamt: 1000 })
        const [after, before, quiet] = yield* Effect.all([
          qfpay(["query", "--env", s.url, "--syssn", p.syssn, "--json", "--log-level", "debug"], credentials),
          qfpay(["--log-level=debug", "query", "--env", s.url, "--syssn", p.syssn, "--json"], credentials),
          qfpay(
            ["query", "--env", s.url, "--syssn", p.syssn, "--log-level", "none"],
            { ...credentials, QFPAY_LOG_LEVEL: "debug" }
          )
        ], { concurrency: 3 })
        for (const run of [after, before]) {
          expect(run.code).toBe(0)
          expect(json(run).status).toBe("settled")
          expect(run.stderr).toContain("level=DEBUG")
        }
        expect(quiet.code).toBe(0)
        expect(quiet.stderr).not.toContain("level=DEBUG")
      })
    ))

  it("the CLI keeps no module-level mutable state, casts no flag values and lists no error tags", () => {
    const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src")
    for (const file of readdirSync(src)) {
      const text = readFileSync(path.join(src, file), "utf8")
      expect(text, file).not.toMatch(/^(export )?let /m)
      expect(text, file).not.toMatch(/lastExitCode/)
      expect(text, file).not.toMatch(/ as (string|number)\b/)
      expect(text, file).not.toMatch(/"TransportError",\s*\n\s*"RateLimited"/)
    }
  })
})

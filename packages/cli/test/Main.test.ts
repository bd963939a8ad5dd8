/**
 * `Cli.main` in-process: a command line in, the outcome to print out. The variables come from a
 * ConfigProvider, not from this process. Cli.test.ts spawns the built binary for the wiring.
 */
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import * as Cli from "../src/Cli.js"
import * as Flags from "../src/Flags.js"
import * as Help from "../src/Help.js"
import type * as Render from "../src/Render.js"

const credentials = {
  QFPAY_APP_CODE: Simulator.demoCredential.appCode,
  QFPAY_CLIENT_KEY: Simulator.demoCredential.clientKey
}

const main = (args: ReadonlyArray<string>, vars: Record<string, string> = {}, colour = false) =>
  Cli.main(["node", "qfpay", ...args], { colour }).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars)))),
    Effect.provide(NodeContext.layer)
  )

const all = (lines: ReadonlyArray<readonly [ReadonlyArray<string>, Record<string, string>?]>) =>
  Effect.all(lines.map(([args, vars]) => main(args, vars)), { concurrency: "unbounded" })

const invalid = (reply: Render.Reply): string => {
  expect(reply.outcome.exitCode).toBe(1)
  expect(reply.outcome.status).toBe("invalid")
  expect(reply.outcome.message).toMatch(/\.$/)
  expect(reply.outcome.message).not.toMatch(/\.\.|; Nothing|: \./)
  return reply.outcome.message
}

const sandbox = Layer.fresh(SandboxServer.layer({ simulator: { credentials: [Simulator.demoCredential] } }))

const withSandbox = <A, E>(f: (s: SandboxServer.Service) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Layer.build(sandbox), (ctx) => f(Context.get(ctx, SandboxServer.SandboxServer))))

describe("environment names", () => {
  const hostile = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]
  const refund = ["refund", "--syssn", "1", "--amount", "10", "--json"]

  it.effect("QFPAY_ENV and --env name only environments or URLs, listing the choices", () =>
    Effect.gen(function*() {
      const fromVariable = yield* all(hostile.map((name) => [refund, { ...credentials, QFPAY_ENV: name }] as const))
      const fromFlag = yield* all(hostile.map((name) => [[...refund, "--env", name], credentials] as const))
      for (const reply of fromVariable) {
        expect(reply.json).toBe(true)
        expect(invalid(reply)).toMatch(
          /^QFPAY_ENV must be production, test, sandbox or a base URL such as .*, got ".+"\. .* Nothing was sent\.$/
        )
      }
      for (const reply of fromFlag) {
        expect(invalid(reply)).toMatch(/^--env must be production, test, sandbox or a base URL .* Nothing was sent\.$/)
      }
      const [missing, empty, ftp, query, fromVariableFtp] = yield* all([
        [[...refund, "--env"], credentials],
        [[...refund, "--env="], credentials],
        [[...refund, "--env", "ftp://example.com"], credentials],
        [[...refund, "--env", "https://example.com/?a=1"], credentials],
        [refund, { ...credentials, QFPAY_ENV: "ftp://example.com" }]
      ])
      expect(invalid(missing)).toContain("--env needs a value")
      expect(invalid(empty)).toContain("--env needs a value")
      expect(invalid(ftp)).toContain(`--env must be an http or https URL, got "ftp://example.com"`)
      expect(invalid(query)).toContain("without a query or a fragment")
      expect(invalid(fromVariableFtp)).toContain(`QFPAY_ENV must be an http or https URL`)
    }))
})

describe("configuration", () => {
  const args = ["refund", "--syssn", "1", "--amount", "10"]
  const base = { QFPAY_ENV: "test" }

  it.effect("each message names its variable, says what is allowed, and never shows the key", () =>
    Effect.gen(function*() {
      const [signType, emptyKey, missingKey, longCode, timeout, logLevel, noEnv] = yield* all([
        [args, { ...base, ...credentials, QFPAY_SIGN_TYPE: "SHA1" }],
        [args, { ...base, QFPAY_APP_CODE: "APP", QFPAY_CLIENT_KEY: "" }],
        [args, { ...base, QFPAY_APP_CODE: "APP" }],
        [args, { ...base, ...credentials, QFPAY_APP_CODE: "A".repeat(70) }],
        [args, { ...base, ...credentials, QFPAY_TIMEOUT: "soon" }],
        [args, { ...base, ...credentials, QFPAY_LOG_LEVEL: "loud" }],
        [args, credentials]
      ])
      const messages = [signType, emptyKey, missingKey, longCode, timeout, logLevel, noEnv].map(invalid)
      for (const message of messages) {
        expect(message).not.toContain("<redacted>")
        expect(message).not.toContain(credentials.QFPAY_CLIENT_KEY)
        expect(message).not.toMatch(/(^|\s):|--env|--sandbox/)
        expect(message).toMatch(/\. Nothing was sent\.$/)
      }
      const [sign, empty, missing, long, seconds, level, env] = messages
      expect(sign).toMatch(/^QFPAY_SIGN_TYPE must be MD5 or SHA256, got "SHA1"\. /)
      expect(sign).not.toContain("is not set")
      expect(empty).toMatch(/^QFPAY_CLIENT_KEY is empty; set it to the client key QFPay issued\. /)
      expect(missing).toMatch(/^QFPAY_CLIENT_KEY is not set\. /)
      expect(missing).toContain("QFPAY_APP_CODE, QFPAY_CLIENT_KEY and QFPAY_ENV")
      expect(long).toMatch(/^QFPAY_APP_CODE must be at most 64 characters, got 70\. /)
      expect(seconds).toMatch(/^QFPAY_TIMEOUT must be a number of seconds above 0, got "soon"\. /)
      expect(level).toBe(
        `QFPAY_LOG_LEVEL must be one of all, trace, debug, info, warning, error, fatal, none, got "loud". Nothing was sent.`
      )
      expect(env).toMatch(/^QFPAY_ENV is not set\. /)
    }))
})

describe("parse failures", () => {
  it.effect("each is an invalid outcome, in JSON when --json is anywhere on the line", () =>
    Effect.gen(function*() {
      const replies = yield* all([
        [["refund", "--json", "--bogus"]],
        [["refund", "--json", "--syssn"]],
        [["refund", "--syssn", "--json", "--amount", "10"]],
        [["refund", "--json", "--syssn", "1", "--amount", "10", "extra"]],
        [["refund", "--json", "--syssn", "1", "--syssn", "2"]],
        [["nope", "--json"]],
        [["--json"]],
        [["sandbox", "--json", "--port", "abc"]],
        [["refund", "--json", "--wizard"]],
        [["refund", "--json", "--log-level", "loud"]],
        [["refund", "--json", "--sysn", "1"]],
        [["refnd", "--json"]],
        [["poll", "--json"]],
        [["poll", "--json", "not-a-handle"]],
        [["query", "--json"]],
        [["refund", "--json", "--log-level"]]
      ])
      for (const reply of replies) expect(reply.json).toBe(true)
      const [
        unknown,
        missing,
        swallowed,
        extra,
        twice,
        command,
        none,
        port,
        wizard,
        level,
        typo,
        commandTypo,
        noHandle,
        badHandle,
        noIds,
        noLevel
      ] = replies.map(invalid)
      expect(unknown).toBe("qfpay refund has no flag --bogus; run qfpay refund --help for its flags. Nothing was sent.")
      expect(missing).toContain("--syssn needs a value")
      expect(swallowed).toContain("--syssn needs a value (it was followed by --json)")
      expect(extra).toContain(`"extra"`)
      expect(twice).toContain("--syssn was given more than once")
      expect(command).toContain(`"nope" is not a qfpay command`)
      expect(command).toContain(
        "refund, reverse, close, cancel, undo, query, poll, sandbox, worker, status, journal, verify-notification, demo"
      )
      expect(none).toContain("give a command first".replace("g", "G"))
      expect(port).toBe(`--port must be a whole number from 0 to 65535, got "abc".`)
      expect(wizard).toContain("--wizard")
      expect(level).toContain(
        `--log-level must be one of all, trace, debug, info, warning, error, fatal, none, got "loud"`
      )
      expect(typo).toContain("(did you mean --syssn?)")
      expect(commandTypo).toContain("(did you mean refund?)")
      expect(noHandle).toContain("qfpay poll needs the handle")
      expect(badHandle).toContain("not one qfpay printed")
      expect(noIds).toContain("qfpay query needs --syssn or --out-trade-no")
      expect(noLevel).toContain("--log-level needs a value")
    }))

  it.effect("a missing required flag is named with what it takes", () =>
    Effect.gen(function*() {
      const [amount, txdtm, payType, signature] = yield* all([
        [["refund", "--syssn", "1"], credentials],
        [["reverse", "--syssn", "1", "--amount", "10"], credentials],
        [["cancel", "--syssn", "1", "--amount", "10", "--txdtm", "2026-01-01 10:00:00"], credentials],
        [["verify-notification"], credentials]
      ])
      expect(invalid(amount)).toBe(
        "qfpay refund needs --amount <cents> (the amount in cents, a whole number: 1000 is 10.00). Nothing was sent."
      )
      expect(invalid(txdtm)).toContain("qfpay reverse needs --txdtm <time>")
      expect(invalid(payType)).toContain("qfpay cancel needs --pay-type <code>")
      // verify-notification never sends anything.
      expect(invalid(signature)).not.toContain("Nothing was sent")
    }))
})

describe("help", () => {
  const helpOf = (args: ReadonlyArray<string>, colour = false) =>
    Effect.map(main(args, {}, colour), (reply) => {
      expect([reply.outcome.exitCode, reply.json]).toEqual([0, false])
      return reply.outcome.message
    })

  // The flags a command lists are the lines that start with one.
  const listed = (help: string) =>
    help.split("\n").flatMap((line) => {
      const flag = /^ {2}(?:-h, )?(--[a-z-]+)/.exec(line)?.[1]
      return flag === undefined ? [] : [flag]
    })

  const common = ["--json", "--log-level", "--help"]

  it.effect("the top level: commands, variables, exit codes", () =>
    Effect.gen(function*() {
      const [top, bare, json] = yield* Effect.all([helpOf(["--help"]), helpOf([]), helpOf(["--json", "-h"])])
      expect(bare).toBe(top)
      expect(json).toBe(top)
      for (const command of Cli.commands) {
        expect(top).toMatch(new RegExp(`^  ${command.help.name}\\s+${command.help.summary.slice(0, 20)}`, "m"))
      }
      for (const [variable] of Help.variables) expect(top).toMatch(new RegExp(`^  ${variable}\\s`, "m"))
      expect(top).toMatch(
        /^Exit codes:\n {2}0 {2}settled.*\n {2}1 {2}invalid.*nothing was sent\n {2}2 {2}rejected.*\n {2}3 {2}pending.*\n {2}4 {2}unknown/m
      )
      expect(listed(top)).toEqual(["--log-level", "--help", "--version", "--completions"])
    }))

  it.effect("each command lists only its own flags, the required ones first and not as optional", () =>
    Effect.gen(function*() {
      const expected: Record<string, ReadonlyArray<string>> = {
        refund: [
          "--syssn",
          "--amount",
          "--out-trade-no",
          "--udid",
          "--durable",
          "--intent",
          "--db",
          "--env",
          "--timeout",
          "--poll-interval",
          "--poll-deadline"
        ],
        reverse: [
          "--amount",
          "--txdtm",
          "--syssn",
          "--out-trade-no",
          "--udid",
          "--env",
          "--timeout",
          "--poll-interval",
          "--poll-deadline"
        ],
        close: [
          "--amount",
          "--txdtm",
          "--syssn",
          "--out-trade-no",
          "--udid",
          "--env",
          "--timeout",
          "--poll-interval",
          "--poll-deadline"
        ],
        cancel: [
          "--amount",
          "--txdtm",
          "--pay-type",
          "--syssn",
          "--out-trade-no",
          "--udid",
          "--durable",
          "--intent",
          "--db",
          "--env",
          "--timeout",
          "--poll-interval",
          "--poll-deadline"
        ],
        undo: [
          "--syssn",
          "--out-trade-no",
          "--amount",
          "--refund-out-trade-no",
          "--udid",
          "--durable",
          "--intent",
          "--db",
          "--env",
          "--timeout",
          "--poll-interval",
          "--poll-deadline"
        ],
        query: ["--syssn", "--out-trade-no", "--page", "--page-size", "--env", "--timeout"],
        poll: ["--reconcile", "--env", "--timeout", "--poll-interval", "--poll-deadline"],
        sandbox: ["--host", "--port"],
        worker: ["--db", "--listen", "--env", "--timeout"],
        status: ["--intent", "--db"],
        journal: ["--db", "--state"],
        "verify-notification": ["--signature"],
        demo: ["--poll-interval"]
      }
      for (const command of Cli.commands) {
        const help = yield* helpOf([command.help.name, "--help"])
        expect(listed(help), command.help.name).toEqual([...expected[command.help.name], ...common])
        expect(help).toMatch(new RegExp(`^Usage: qfpay ${command.help.name} `, "m"))
        expect(help).not.toMatch(/optional|--wizard|--completions/i)
        expect(help).not.toContain("\u001b[")
        expect(help).toContain("Exit codes:")
      }
      const reverse = yield* helpOf(["reverse", "-h"])
      expect(reverse).toMatch(
        /^Usage: qfpay reverse --amount <cents> --txdtm <time> \(--syssn <syssn> \| --out-trade-no <id>\) \[options\]$/m
      )
      expect(reverse).toMatch(/^One of these is required:$/m)
      const poll = yield* helpOf(["poll", "--help"])
      expect(poll).toMatch(/^Usage: qfpay poll \[options\] <handle>$/m)
      expect(poll).toMatch(/^Arguments:\n {2}<handle>/m)
      const undo = yield* helpOf(["undo", "--help"])
      expect(undo).toMatch(/--amount <cents>\s+for a paid payment, the cents to refund, a whole number: 1000 is 10\.00/)
      expect(yield* helpOf(["verify-notification", "--help"])).toContain("QFPAY_CLIENT_KEY")
    }))

  it.effect("colour only when asked for (a terminal without NO_COLOR)", () =>
    Effect.gen(function*() {
      expect(yield* helpOf(["refund", "--help"], true)).toContain("\u001b[1mUsage:\u001b[0m")
      expect(yield* helpOf(["--help"], true)).toContain("\u001b[1mExit codes:\u001b[0m")
    }))

  it("colour: only on a terminal, and never with NO_COLOR or a dumb terminal", () => {
    expect(Help.colour({ isTTY: true, env: {} })).toBe(true)
    expect(Help.colour({ isTTY: false, env: {} })).toBe(false)
    expect(Help.colour({ isTTY: undefined, env: {} })).toBe(false)
    expect(Help.colour({ isTTY: true, env: { NO_COLOR: "1" } })).toBe(false)
    expect(Help.colour({ isTTY: true, env: { NO_COLOR: "" } })).toBe(true)
    expect(Help.colour({ isTTY: true, env: { TERM: "dumb" } })).toBe(false)
  })

  it.effect("--version", () =>
    Effect.map(main(["--version"]), (reply) => expect(reply.outcome.message).toBe(`qfpay ${Cli.version}`)))
})

describe("--sandbox", () => {
  it.effect("on a money command, is refused with where to go instead", () =>
    Effect.gen(function*() {
      const replies = yield* all([
        [["refund", "--sandbox", "--syssn", "1", "--amount", "10", "--json"]],
        [["undo", "--syssn", "1", "--sandbox"]],
        [["query", "--syssn", "1", "--sandbox=true"]],
        [["poll", "--sandbox", "x"]]
      ])
      for (const reply of replies) {
        const message = invalid(reply)
        expect(message).toContain("qfpay sandbox")
        expect(message).toContain("qfpay demo")
        expect(message).toMatch(/Nothing was sent\.$/)
      }
    }))
})

describe("messages", () => {
  it.live("are sentences: no doubled phrases, the cancel state in words", () =>
    withSandbox((s) =>
      Effect.gen(function*() {
        const mpm = yield* s.simulator.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
        const paid = yield* s.simulator.createPayment({ txamt: 900 })
        const env = ["--env", s.url]
        const reversed = yield* main(
          ["reverse", ...env, "--syssn", mpm.syssn, "--amount", "500", "--txdtm", mpm.txdtm],
          credentials
        )
        expect(reversed.outcome.exitCode).toBe(0)
        const [nothing, zero, table, missing] = yield* all([
          [["undo", ...env, "--syssn", mpm.syssn], credentials],
          [["refund", ...env, "--syssn", paid.syssn, "--amount", "0"], credentials],
          [["query", ...env, "--syssn", `${mpm.syssn},${paid.syssn}`], credentials],
          [["undo", ...env, "--syssn", "20000101000000000000000000"], credentials]
        ])
        expect(nothing.outcome.exitCode).toBe(0)
        expect(nothing.outcome.message).toBe(`Payment ${mpm.syssn} is already cancelled; nothing to undo.`)
        expect(invalid(zero)).toMatch(/got 0\. Nothing was sent\.$/)
        expect(table.outcome.details.join("\n")).toContain("not cancelled")
        expect(table.outcome.details.join("\n")).toMatch(/cancelled \(MPM\)|reversed or refunded/)
        expect(missing.outcome.exitCode).toBe(2)
        expect(missing.outcome.message).toMatch(/^QFPay's transaction enquiry does not know .*\)\.$/)
        expect(yield* s.simulator.refundsOf(paid.syssn)).toEqual([])
      })
    ))
})

describe("flag names for core's fields", () => {
  it("are looked up by own entries only", () => {
    expect(Flags.flagOfField("txamt")).toBe("--amount")
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(Flags.flagOfField(name)).toBeUndefined()
    }
  })

  it("log levels too", () => {
    for (const name of ["constructor", "__proto__", "toString"]) {
      expect(Flags.parseLogLevel("--log-level", name)._tag).toBe("Left")
    }
    expect(Flags.parseLogLevel("--log-level", " Debug ")._tag).toBe("Right")
  })
})

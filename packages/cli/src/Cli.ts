/**
 * The `qfpay` command line.
 *
 * @since 0.1.0
 */
import {
  cancel,
  close,
  Handle,
  PollProgress,
  pollUntilSettled,
  QFPayError,
  query,
  reconcile,
  refund,
  ResponseCode,
  reverse,
  undo
} from "@effect-qfpay/core"
import { NotificationHandler } from "@effect-qfpay/http"
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Demo from "./Demo.js"
import * as Render from "./Render.js"
import * as Target from "./Target.js"

let exitCode: Render.Outcome["exitCode"] = 0

/**
 * The exit code of the last command run.
 *
 * @since 0.1.0
 * @category running
 */
export const lastExitCode = (): number => exitCode

const finish = (outcome: Render.Outcome, json: boolean) =>
  Effect.zipRight(Render.print(outcome, json), Effect.sync(() => (exitCode = outcome.exitCode)))

// --- flags -------------------------------------------------------------------------------

const common = {
  env: Options.text("env").pipe(
    Options.withDescription(
      "production, test, sandbox or a base URL such as http://127.0.0.1:8080 (overrides QFPAY_ENV)"
    ),
    Options.optional
  ),
  sandbox: Options.boolean("sandbox").pipe(
    Options.withDescription("use an embedded sandbox server on loopback with demo credentials")
  ),
  json: Options.boolean("json").pipe(Options.withDescription("print one JSON object on stdout")),
  pollInterval: Options.text("poll-interval").pipe(
    Options.withDescription("seconds before the first enquiry, and the base of the backoff (decimals allowed)"),
    Options.optional
  ),
  pollDeadline: Options.text("poll-deadline").pipe(
    Options.withDescription("seconds after which polling stops and the operation is reported still pending"),
    Options.optional
  ),
  timeout: Options.text("timeout").pipe(
    Options.withDescription("seconds to wait for each HTTP answer"),
    Options.optional
  )
}

const optionalText = (name: string, description: string) =>
  Options.text(name).pipe(Options.withDescription(description), Options.optional)

const syssn = optionalText("syssn", "the payment's QFPay transaction number")
const outTradeNo = optionalText("out-trade-no", "the payment's out_trade_no")
const amount = optionalText("amount", "amount in cents (a whole number, e.g. 1000 for 10.00)")
const txdtm = optionalText("txdtm", `the original payment's time, "YYYY-MM-DD hh:mm:ss"`)
const udid = optionalText("udid", "terminal / device id")

// The flag a core field comes from, for messages.
const flagOf: Record<string, string> = {
  txamt: "--amount",
  syssn: "--syssn",
  out_trade_no: "--out-trade-no",
  txdtm: "--txdtm",
  pay_type: "--pay-type",
  udid: "--udid",
  refund_out_trade_no: "--refund-out-trade-no",
  page: "--page",
  page_size: "--page-size"
}

const withFlags = (error: QFPayError.InvalidRequest): QFPayError.InvalidRequest =>
  new QFPayError.InvalidRequest({
    operation: error.operation,
    issues: error.issues.map((i) => {
      const field = i.path.split(".")[0]
      return flagOf[field] === undefined ? i : { ...i, path: `${i.path} (${flagOf[field]})` }
    })
  })

// Amounts arrive as text; numbers go to the schema as numbers, anything else as text so the
// message shows what was typed.
const cents = (value: Option.Option<string>): number | string | undefined =>
  Option.match(value, {
    onNone: () => undefined,
    onSome: (text) => (/^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text)
  })

const list = (value: Option.Option<string>): ReadonlyArray<string> | undefined =>
  Option.match(value, { onNone: () => undefined, onSome: (text) => text.split(",").map((s) => s.trim()) })

// --- running an operation -----------------------------------------------------------------

const progress = PollProgress.PollProgress.of({
  onEnquiry: (event) =>
    Console.error(
      `  still in progress: enquiry ${event.attempt}, last code ${event.lastCode ?? "none"}${
        event.lastCode === undefined ? "" : ` (${ResponseCode.meaning(event.lastCode)})`
      }; ${
        Option.match(event.nextIn, {
          onNone: () => "giving up at the deadline",
          onSome: (d) => `next check in ${Duration.format(d)}`
        })
      }`
    )
})

type Failure = QFPayError.QFPayError | ConfigError.ConfigError | Target.FlagError

const operate = <R extends Layer.Layer.Success<ReturnType<typeof Target.layer>>>(
  flags: Target.Common,
  program: Effect.Effect<Render.Outcome, Failure, R>,
  options: { readonly precheck?: Target.FlagError | undefined } = {}
) =>
  Effect.gen(function*() {
    // Problems with the command line itself come first: nothing is started for them.
    if (options.precheck !== undefined) return yield* finish(Render.invalid(options.precheck.message), flags.json)
    const settings = Target.settings(flags)
    if (Either.isLeft(settings)) return yield* finish(Render.invalid(settings.left.message), flags.json)
    const resume = (token: string, reconcileFirst: boolean) =>
      `qfpay poll${reconcileFirst ? " --reconcile" : ""}${Target.targetFlags(flags)} ${token}`
    const outcome = yield* program.pipe(
      Effect.mapError((e) => (e instanceof QFPayError.InvalidRequest ? withFlags(e) : e)),
      Effect.provide(Target.layer(flags, settings.right)),
      Effect.provideService(PollProgress.PollProgress, progress),
      Effect.catchAll((error) =>
        Effect.succeed(
          error instanceof Target.FlagError || ConfigError.isConfigError(error) ||
            "_tag" in error && isQFPayError(error)
            ? Render.failure(error as Failure, resume)
            : Render.invalid(`could not start: ${String((error as { message?: unknown }).message ?? error)}.`)
        )
      )
    )
    yield* finish(outcome, flags.json)
  })

const qfpayTags = new Set([
  "InvalidRequest",
  "Rejected",
  "StillPending",
  "OutcomeUnknown",
  "TransportError",
  "RateLimited",
  "UnexpectedResponse",
  "SignatureMismatch",
  "UnknownPayType",
  "TransactionNotFound"
])
const isQFPayError = (error: { readonly _tag: string }): boolean => qfpayTags.has(error._tag)

// --- commands -----------------------------------------------------------------------------

const refundCommand = Command.make(
  "refund",
  {
    ...common,
    syssn,
    amount,
    outTradeNo: optionalText(
      "out-trade-no",
      "the refund's own id (made for you when absent; reuse it to retry safely)"
    ),
    udid
  },
  (flags) =>
    operate(
      flags,
      Effect.map(
        refund({
          syssn: Option.getOrUndefined(flags.syssn) as string,
          txamt: cents(flags.amount) as number,
          out_trade_no: Option.getOrUndefined(flags.outTradeNo),
          udid: Option.getOrUndefined(flags.udid)
        }),
        (r) => Render.receipt(r)
      )
    )
).pipe(Command.withDescription("Refund a successful payment, fully or partially"))

const cancelInput = (flags: {
  readonly syssn: Option.Option<string>
  readonly outTradeNo: Option.Option<string>
  readonly amount: Option.Option<string>
  readonly txdtm: Option.Option<string>
  readonly udid: Option.Option<string>
}) => ({
  syssn: Option.getOrUndefined(flags.syssn),
  out_trade_no: Option.getOrUndefined(flags.outTradeNo),
  txamt: cents(flags.amount) as number,
  txdtm: Option.getOrUndefined(flags.txdtm) as string,
  udid: Option.getOrUndefined(flags.udid)
})

const reverseCommand = Command.make(
  "reverse",
  { ...common, syssn, outTradeNo, amount, txdtm, udid },
  (flags) => operate(flags, Effect.map(reverse(cancelInput(flags)), (r) => Render.receipt(r)))
).pipe(Command.withDescription("Reverse a payment that has not completed (POST /trade/v1/reversal)"))

const closeCommand = Command.make(
  "close",
  { ...common, syssn, outTradeNo, amount, txdtm, udid },
  (flags) => operate(flags, Effect.map(close(cancelInput(flags)), (r) => Render.receipt(r)))
).pipe(Command.withDescription("Close a payment that has not completed (GET /trade/v1/close)"))

const cancelCommand = Command.make(
  "cancel",
  {
    ...common,
    syssn,
    outTradeNo,
    amount,
    txdtm,
    udid,
    payType: optionalText("pay-type", "the payment's pay type, e.g. 800101")
  },
  (flags) =>
    operate(
      flags,
      Effect.map(
        cancel({ ...cancelInput(flags), pay_type: Option.getOrUndefined(flags.payType) as string }),
        (r) => Render.receipt(r)
      )
    )
).pipe(Command.withDescription("Reverse or close a not-completed payment, as its pay type requires"))

const undoCommand = Command.make(
  "undo",
  {
    ...common,
    syssn,
    outTradeNo,
    amount: optionalText("amount", "for a paid payment, the cents to refund (default: all)"),
    refundOutTradeNo: optionalText("refund-out-trade-no", "the refund's own id, when a refund is made"),
    udid
  },
  (flags) =>
    operate(
      flags,
      Effect.map(
        undo({
          syssn: Option.getOrUndefined(flags.syssn),
          out_trade_no: Option.getOrUndefined(flags.outTradeNo),
          txamt: cents(flags.amount) as number | undefined,
          refund_out_trade_no: Option.getOrUndefined(flags.refundOutTradeNo),
          udid: Option.getOrUndefined(flags.udid)
        }),
        (result) =>
          result._tag === "NothingToUndo"
            ? Render.ok(`Nothing to undo: ${result.description}.`, {
              action: "none",
              reason: result.reason,
              orig_syssn: result.payment.syssn,
              out_trade_no: result.payment.out_trade_no,
              respcd: result.payment.respcd,
              txamt: result.payment.txamt
            })
            : Render.receipt(result.receipt, { action: result.receipt.operation })
      )
    )
).pipe(
  Command.withDescription("Undo a payment whatever its state: refund if paid, cancel if not, nothing if already undone")
)

const queryCommand = Command.make(
  "query",
  {
    ...common,
    syssn: optionalText("syssn", "QFPay transaction numbers, comma-separated"),
    outTradeNo: optionalText("out-trade-no", "out_trade_no values, comma-separated"),
    page: optionalText("page", "page number, from 1"),
    pageSize: optionalText("page-size", "rows per page, at most 100")
  },
  (flags) =>
    operate(
      flags,
      Effect.map(
        query({
          syssn: list(flags.syssn),
          out_trade_no: list(flags.outTradeNo),
          page: cents(flags.page) as number | undefined,
          page_size: cents(flags.pageSize) as number | undefined
        }),
        (result) =>
          Render.ok(
            `${result.rows.length} transaction${
              result.rows.length === 1 ? "" : "s"
            } (page ${result.page}, ${result.page_size} per page).`,
            { respcd: "0000", page: result.page, page_size: result.page_size, rows: result.rows },
            result.rows.length === 0 ? [] : Render.table(result.rows)
          )
      ),
      {
        precheck: Option.isNone(flags.syssn) && Option.isNone(flags.outTradeNo)
          ? new Target.FlagError("give --syssn or --out-trade-no (comma-separated lists allowed).")
          : undefined
      }
    )
).pipe(Command.withDescription("Look transactions up (POST /trade/v1/query)"))

const pollCommand = Command.make(
  "poll",
  {
    ...common,
    reconcile: Options.boolean("reconcile").pipe(
      Options.withDescription("look the operation up first, and resubmit it unchanged only if QFPay does not know it")
    ),
    handle: Args.text({ name: "handle" }).pipe(
      Args.withDescription("the handle printed by a command that ended still pending")
    )
  },
  (flags) => {
    const handle = Handle.fromToken(flags.handle)
    return operate(
      flags,
      Either.match(handle, {
        onLeft: () => Effect.die("unreachable: checked first"),
        onRight: (h) => Effect.map(flags.reconcile ? reconcile(h) : pollUntilSettled(h), (r) => Render.receipt(r))
      }),
      {
        precheck: Either.isLeft(handle)
          ? new Target.FlagError("that handle is not one qfpay printed (copy it whole).")
          : undefined
      }
    )
  }
).pipe(Command.withDescription("Resume polling an operation that was still in progress"))

const sandboxCommand = Command.make(
  "sandbox",
  {
    ...common,
    host: Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("address to listen on")),
    port: Options.integer("port").pipe(Options.withDefault(8080), Options.withDescription("port (0: any free port)"))
  },
  (flags) =>
    Effect.gen(function*() {
      if (flags.port < 0 || flags.port > 65535) {
        return yield* finish(Render.invalid(`--port: expected 0 to 65535, got ${flags.port}.`), flags.json)
      }
      const started = yield* Effect.either(
        Effect.gen(function*() {
          const sandbox = yield* SandboxServer.SandboxServer
          yield* Console.log(
            flags.json
              ? JSON.stringify({
                status: "settled",
                url: sandbox.url,
                app_code: sandbox.simulator.credential.appCode,
                message: "sandbox running"
              })
              : [
                `QFPay sandbox listening on ${sandbox.url}`,
                `  app code:   ${sandbox.simulator.credential.appCode}`,
                `  client key: the sandbox demo key (see the README)`,
                `  admin:      ${sandbox.url}${SandboxServer.ADMIN_PREFIX}/ (payments, scripts, faults, log)`,
                `Press Ctrl-C to stop.`
              ].join("\n")
          )
          return yield* Effect.never
        }).pipe(
          Effect.provide(
            SandboxServer.layer({
              host: flags.host,
              port: flags.port,
              simulator: { credentials: [Simulator.demoCredential] }
            })
          )
        )
      )
      if (Either.isLeft(started)) {
        yield* finish(
          Render.invalid(`could not start the sandbox on ${flags.host}:${flags.port}: ${started.left.message}.`),
          flags.json
        )
      }
    })
).pipe(Command.withDescription("Run the sandbox server in the foreground"))

const readStdin = Effect.async<Uint8Array>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.on("end", () => resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks)))))
  process.stdin.on("error", () => resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks)))))
})

const verifyCommand = Command.make(
  "verify-notification",
  { ...common, signature: optionalText("signature", "the X-QF-SIGN header of the notification") },
  (flags) =>
    Effect.gen(function*() {
      if (Option.isNone(flags.signature)) {
        return yield* finish(
          Render.invalid("give --signature (the X-QF-SIGN header); the body is read from stdin."),
          flags.json
        )
      }
      const key = yield* Effect.either(Config.redacted("QFPAY_CLIENT_KEY"))
      if (Either.isLeft(key)) return yield* finish(Render.failure(key.left, () => ""), flags.json)
      const body = yield* readStdin
      const verified = NotificationHandler.verifyBody(body, flags.signature.value, key.right)
      yield* finish(
        Either.match(verified, {
          onLeft: (e) => Render.invalid(`${e.message}.`),
          onRight: ({ identity, notification }) =>
            Render.ok(
              `Valid ${notification.notify_type} notification ${identity}: ${notification.txamt} cents, respcd ${notification.respcd}.`,
              {
                notify_type: notification.notify_type,
                identity,
                syssn: notification.syssn,
                out_trade_no: notification.out_trade_no,
                txamt: notification.txamt,
                respcd: notification.respcd
              }
            )
        }),
        flags.json
      )
    })
).pipe(Command.withDescription("Verify a QFPay notification body (stdin) against its X-QF-SIGN, with QFPAY_CLIENT_KEY"))

const demoCommand = Command.make("demo", common, (flags) =>
  Effect.gen(function*() {
    const settings = Target.settings(flags, { pollInterval: 0.25 })
    if (Either.isLeft(settings)) return yield* finish(Render.invalid(settings.left.message), flags.json)
    const interval = settings.right.poll.firstDelay
    const say = (line: string) => (flags.json ? Console.error(line) : Console.log(line))
    const result = yield* Demo.run({ say, pollInterval: interval }).pipe(
      Effect.provide(Demo.layer(interval)),
      Effect.provideService(PollProgress.PollProgress, progress),
      Effect.either
    )
    if (Either.isLeft(result)) {
      return yield* finish(Render.invalid(`the demo could not run: ${result.left.message}.`), flags.json)
    }
    const failed = result.right.steps.filter((s) => !s.ok)
    yield* finish(
      failed.length === 0
        ? Render.ok(`Demo complete: every step behaved as expected.`, {
          steps: result.right.steps,
          refunds: result.right.refunds
        })
        : {
          ...Render.invalid(
            `Demo: ${failed.length} step(s) did not behave as expected: ${failed.map((s) => s.step).join(", ")}.`
          ),
          exitCode: 1
        },
      flags.json
    )
  })).pipe(
    Command.withDescription(
      "Walk through refunds, reversals, closes, undo and a lost answer against an embedded sandbox"
    )
  )

/**
 * @since 0.1.0
 * @category commands
 */
export const qfpay = Command.make("qfpay").pipe(
  Command.withDescription("Undo QFPay payments safely: refund, reverse, close, cancel, undo, query, poll."),
  Command.withSubcommands([
    refundCommand,
    reverseCommand,
    closeCommand,
    cancelCommand,
    undoCommand,
    queryCommand,
    pollCommand,
    sandboxCommand,
    verifyCommand,
    demoCommand
  ])
)

/**
 * Parses `argv` (as `process.argv`) and runs the command.
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.run(qfpay, { name: "qfpay", version: "0.1.0" })

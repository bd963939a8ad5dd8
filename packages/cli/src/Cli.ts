/**
 * The `qfpay` command line: the commands, and {@link main}, which reads a command line, runs
 * the command and returns the {@link Render.Reply} that `bin.ts` prints and exits with.
 *
 * How a command line becomes an exit code:
 *
 * 1. {@link scan} reads what is valid anywhere on the line (`--json`, `--help`, `--version`,
 *    `--log-level`) and which command is named.
 * 2. `@effect/cli` parses the command's flags ({@link root}); each command is a {@link Command}
 *    whose parser yields a {@link Run}: the command with its flags, ready to run.
 * 3. A command's `run` returns an {@link Render.Outcome}; it never prints its result or sets an
 *    exit code. Every problem, from a mistyped flag to a defect, ends as an outcome too.
 * 4. `bin.ts` prints the reply (one JSON object with `--json`) and exits with its code.
 *
 * Commands that send money requests go through {@link operate}, the one place that checks the
 * flags, points the programs at QFPay and turns their failures into outcomes.
 *
 * @since 0.1.0
 */
import {
  cancel,
  close,
  Handle,
  OperationObserver,
  PollProgress,
  pollUntilSettled,
  QFPayConfig,
  QFPayError,
  query,
  reconcile,
  refund,
  ResponseCode,
  reverse,
  type Undo,
  undo
} from "@effect-qfpay/core"
import { Durable } from "@effect-qfpay/durable"
import { NotificationHandler } from "@effect-qfpay/http"
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import type * as HelpDoc from "@effect/cli/HelpDoc"
import type * as Span from "@effect/cli/HelpDoc/Span"
import * as Options from "@effect/cli/Options"
import type * as ValidationError from "@effect/cli/ValidationError"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Record from "effect/Record"
import * as Fs from "node:fs"
import * as Demo from "./Demo.js"
import * as DurableCli from "./Durable.js"
import * as Flags from "./Flags.js"
import * as Help from "./Help.js"
import * as Render from "./Render.js"
import { Signals } from "./Signals.js"
import * as Target from "./Target.js"

/**
 * This package's version, read from its `package.json` (one level up from `src` and `dist`
 * alike), which Changesets bumps on release.
 *
 * @since 0.1.0
 * @category constants
 */
export const version: string = (JSON.parse(
  Fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")
) as { readonly version: string }).version

/**
 * What commands run with: what `@effect/cli` parses with, which `NodeContext` provides.
 *
 * @since 0.2.0
 * @category models
 */
export type Environment = CliApp.CliApp.Environment

/**
 * What a command knows besides its flags.
 *
 * @since 0.2.0
 * @category models
 */
export interface Context {
  /** `--json` was given: the command's own output (a banner, progress) must keep stdout for the answer. */
  readonly json: boolean
}

/**
 * A parsed command, ready to run.
 *
 * @since 0.2.0
 * @category models
 */
export type Run = (context: Context) => Effect.Effect<Render.Outcome, never, Environment>

/**
 * A command: its help, the flags it has (for messages about the ones it lacks), and its parser,
 * which yields a {@link Run}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Command {
  readonly help: Help.CommandHelp
  readonly flags: ReadonlyArray<Flags.Help>
  readonly descriptor: Descriptor.Command<Run>
  /**
   * `handled`: the command answers SIGINT / SIGTERM itself (a money command prints the handle of
   * the operation under way). Otherwise a signal stops it with exit 130.
   */
  readonly signals: "handled" | "stop"
}

type FlagSet = Record.ReadonlyRecord<string, Flags.Flag<any>>

type Values<F extends FlagSet> = { readonly [K in keyof F]: Flags.Value<F[K]> }

/**
 * Defines a command from its flags: the help lists exactly these flags (required ones first),
 * and `run` gets their values, typed.
 *
 * @since 0.2.0
 * @category constructors
 */
export const define = <F extends FlagSet>(spec: {
  readonly name: string
  readonly summary: string
  readonly description: ReadonlyArray<string>
  readonly flags: F
  readonly required?: ReadonlyArray<keyof F & string> | undefined
  readonly oneOf?: ReadonlyArray<keyof F & string> | undefined
  readonly positional?: { readonly name: string; readonly description: string } | undefined
  readonly examples?: ReadonlyArray<string> | undefined
  readonly notes?: ReadonlyArray<string> | undefined
  readonly signals?: "handled" | "stop" | undefined
  readonly run: (
    flags: Values<F>,
    context: Context & { readonly positional: Option.Option<string> }
  ) => Effect.Effect<Render.Outcome, never, Environment>
}): Command => {
  const required = spec.required ?? []
  const oneOf = spec.oneOf ?? []
  const keys = Object.keys(spec.flags)
  // TypeScript cannot follow a mapped record through Record.map: this states what Options.all
  // builds, the value of each flag under its key.
  const options = Options.all(Record.map(spec.flags, (flag) => flag.options)) as Options.Options<Values<F>>
  const args = spec.positional === undefined
    ? Args.none.pipe(Args.map(() => Option.none<string>()))
    : Args.text({ name: spec.positional.name }).pipe(Args.withDescription(spec.positional.description), Args.optional)
  const flags = keys.map((key) => spec.flags[key])
  return {
    help: {
      name: spec.name,
      summary: spec.summary,
      description: spec.description,
      required: required.map((key) => spec.flags[key]),
      oneOf: oneOf.map((key) => spec.flags[key]),
      options: keys.filter((key) => !required.includes(key) && !oneOf.includes(key)).map((key) => spec.flags[key]),
      positional: spec.positional,
      examples: spec.examples ?? [],
      notes: spec.notes ?? []
    },
    flags,
    signals: spec.signals ?? "stop",
    descriptor: Descriptor.make(spec.name, options, args).pipe(
      Descriptor.map(({ args: positional, options: values }): Run => (context) =>
        Option.match(Option.orElse(swallowedFlag(spec.flags, values), () => flagAsArgument(spec.name, positional)), {
          onNone: () => spec.run(values, { ...context, positional }),
          onSome: (error) => Effect.succeed(Render.invalid(error.message))
        })
      )
    )
  }
}

// The parser takes a flag it does not know for the argument of a command that has one.
const flagAsArgument = (command: string, positional: Option.Option<string>): Option.Option<Flags.FlagError> =>
  Option.flatMap(
    Option.filter(positional, (value) => value.startsWith("-")),
    (value) =>
      Option.some(
        new Flags.FlagError({
          message: `qfpay ${command} has no flag ${value.split("=")[0]}; run qfpay ${command} --help for its flags`
        })
      )
  )

// `--syssn --json` gives --syssn the value "--json": a flag missing its value, not an id.
const swallowedFlag = (
  flags: FlagSet,
  values: Record.ReadonlyRecord<string, unknown>
): Option.Option<Flags.FlagError> =>
  Option.firstSomeOf(
    Object.keys(flags).map((key) => {
      const value = values[key]
      return Option.isOption(value) && Option.isSome(value) && typeof value.value === "string" &&
          value.value.startsWith("--")
        ? Option.some(
          new Flags.FlagError({
            message: `--${flags[key].name} needs a value (it was followed by ${value.value}): ${flags[key].description}`
          })
        )
        : Option.none()
    })
  )

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

const withFlags = (error: QFPayError.InvalidRequest): QFPayError.InvalidRequest =>
  new QFPayError.InvalidRequest({
    operation: error.operation,
    issues: error.issues.map((i) => {
      const flag = Flags.flagOfField(i.path.split(".")[0])
      return flag === undefined ? i : { ...i, path: `${i.path} (${flag})` }
    })
  })

type QFPay = Effect.Effect.Context<ReturnType<typeof refund>>

/**
 * A program that talks to QFPay, ready to run once the flags were read.
 *
 * @since 0.2.0
 * @category models
 */
export type Operation = Effect.Effect<Render.Outcome, QFPayError.QFPayError | ConfigError.ConfigError, QFPay>

/**
 * Runs an operation against QFPay: every money command goes through here. Problems with the
 * command line come first, and nothing is started for them; then the program runs against the
 * target of `--env` / `QFPAY_*`, with progress on stderr; every failure becomes an outcome,
 * with the `qfpay poll` command that resumes it when there is a handle.
 *
 * This is where an interrupt during a money command will be handled: race the program against
 * the signal, and answer with the operation's handle and its `qfpay poll --reconcile` command.
 *
 * @since 0.2.0
 * @category running
 */
export const operate = (
  target: Target.TargetFlags,
  prepared: Either.Either<Operation, Flags.FlagError>,
  options: {
    /** What a signal answers when the operation's handle is not what matters (a durable intent). */
    readonly interrupted?: ((signal: string) => Render.Outcome) | undefined
  } = {}
): Effect.Effect<Render.Outcome> =>
  Either.match(Either.all([prepared, Target.settings(target)]), {
    onLeft: (error) => Effect.succeed(Render.invalid(error.message)),
    onRight: ([program, settings]) =>
      Effect.gen(function*() {
        const resume = (token: string, reconcileFirst: boolean) =>
          `qfpay poll${reconcileFirst ? " --reconcile" : ""}${Target.targetFlags(target)} ${token}`
        // The operation's latest handle, known before its first request is sent: what a signal
        // answers with.
        let handle: Handle.Handle | undefined
        const observer = OperationObserver.make((state) => Effect.sync(() => (handle = state.handle)))
        const run = program.pipe(
          Effect.mapError((e) => (e instanceof QFPayError.InvalidRequest ? withFlags(e) : e)),
          Effect.provide(Target.layer(settings)),
          Effect.provideService(PollProgress.PollProgress, progress),
          Effect.provideService(OperationObserver.OperationObserver, observer),
          Effect.catchAll((error) => Effect.succeed(Render.failure(error, resume)))
        )
        const signals = yield* Signals
        return yield* Effect.raceFirst(
          run,
          Effect.map(
            signals.signal,
            (signal) => options.interrupted?.(signal) ?? Render.interrupted(signal, handle, resume)
          )
        )
      })
  })

// --- durable operations ---------------------------------------------------------------------

const durableFlags = { durable: Flags.durable, intent: Flags.intent, db: Flags.db }

// --intent and --db mean something only with --durable: without it, they would be ignored.
const notDurable = (
  command: string,
  flags: { readonly intent: Option.Option<string>; readonly db: Option.Option<string> }
): Either.Either<void, Flags.FlagError> =>
  Option.isSome(flags.intent) || Option.isSome(flags.db)
    ? Either.left(
      new Flags.FlagError({
        message: `--intent and --db go with --durable (qfpay ${command} --durable --intent ID --db FILE …)`
      })
    )
    : Either.void

// How long a durable command waits for the end before answering "in progress": --poll-deadline.
const waitOf = (flags: Target.TargetFlags): Either.Either<Duration.Duration, Flags.FlagError> =>
  Either.map(
    Flags.seconds(Flags.pollDeadline, flags.pollDeadline ?? Option.none()),
    Option.getOrElse(() => Duration.minutes(2))
  )

type DurableProgram = Effect.Effect<
  Render.Outcome,
  Durable.DurableError,
  Effect.Effect.Context<ReturnType<typeof Durable.refund>> | Effect.Effect.Context<ReturnType<typeof Durable.cancel>>
>

/**
 * Runs a money command durably (`--durable --intent ID --db …`): the intent is recorded before
 * the first request and followed to its end by this process (SQLite) or the workers
 * (Postgres), across crashes and restarts.
 *
 * @since 0.2.0
 * @category running
 */
export const durably = (
  command: string,
  flags: Target.TargetFlags & {
    readonly durable: boolean
    readonly intent: Option.Option<string>
    readonly db: Option.Option<string>
  },
  prepared: Either.Either<(intent: string) => DurableProgram, Flags.FlagError>
): Effect.Effect<Render.Outcome> =>
  Either.match(
    Either.all([
      prepared,
      Flags.required(command, Flags.intent, flags.intent),
      DurableCli.store(command, flags.db)
    ]),
    {
      onLeft: (error) => Effect.succeed(Render.invalid(error.message)),
      onRight: ([program, intent, store]) =>
        operate(
          flags,
          Either.right(
            program(intent).pipe(
              Effect.catchTags({
                IntentConflict: (e) => Effect.succeed(DurableCli.failure(e, store)),
                StillInProgress: (e) => Effect.succeed(DurableCli.failure(e, store)),
                JournalError: (e) => Effect.succeed(DurableCli.failure(e, store))
              }),
              Effect.provide(DurableCli.engine(store, false)),
              Effect.catchAll((e) =>
                QFPayError.isQFPayError(e)
                  ? Effect.fail(e)
                  : Effect.succeed(Render.invalid(describeStartFailure(e)))
              )
            )
          ),
          { interrupted: (signal) => DurableCli.interrupted(signal, intent, store) }
        )
    }
  )

// Why durable operations could not start: another runner holds the SQLite file, the database
// cannot be reached, a bad setting.
const describeStartFailure = (error: unknown): string =>
  ConfigError.isConfigError(error)
    ? Target.describeConfigError(error)
    : typeof error === "object" && error !== null && "message" in error && String(error.message) !== ""
    ? String(error.message)
    : `the durable operations' database could not be opened (${String(error)})`

// --- commands -----------------------------------------------------------------------------

const target = { env: Flags.env, timeout: Flags.timeout }
const polling = { pollInterval: Flags.pollInterval, pollDeadline: Flags.pollDeadline }

const resumeNote =
  "If it ends still pending (exit 3) or with its outcome unknown (exit 4), run the `qfpay poll` or `qfpay poll --reconcile` command it prints; never send it again under a new id."

const sandboxNote =
  "To try it without QFPay: `qfpay demo`, or `qfpay sandbox` and a payment made through its admin routes (see the README), then --env http://127.0.0.1:8080 with the sandbox's demo credentials."

const cancelFlags = {
  syssn: Flags.syssn,
  outTradeNo: Flags.outTradeNo,
  amount: Flags.amount,
  txdtm: Flags.txdtm,
  udid: Flags.udid,
  ...target,
  ...polling,
  json: Flags.json
}

const cancelInput = (command: string, flags: Values<typeof cancelFlags>) =>
  Either.gen(function*() {
    const txamt = yield* Flags.requiredCents(command, Flags.amount, flags.amount)
    const txdtm = yield* Flags.required(command, Flags.txdtm, flags.txdtm)
    return {
      syssn: Option.getOrUndefined(flags.syssn),
      out_trade_no: Option.getOrUndefined(flags.outTradeNo),
      txamt,
      txdtm,
      udid: Option.getOrUndefined(flags.udid)
    }
  })

const refundCommand = define({
  name: "refund",
  summary: "Refund a successful payment, fully or partially.",
  description: [
    "Refund a successful payment, fully or partially (POST /trade/v1/refund). The refund's own id (--out-trade-no) is made once and reused on every retry; a lost answer is looked up before anything is sent again.",
    "With --durable --intent ID --db FILE, the refund is recorded before its first request and followed to its end across crashes and restarts; its id is derived from the intent."
  ],
  flags: {
    syssn: Flags.syssn,
    amount: Flags.amount,
    outTradeNo: Flags.refundId,
    udid: Flags.udid,
    ...durableFlags,
    ...target,
    ...polling,
    json: Flags.json
  },
  required: ["syssn", "amount"],
  examples: [
    "qfpay refund --env test --syssn 20191227000200020061752831 --amount 500",
    "qfpay refund --syssn 20191227000200020061752831 --amount 500 --out-trade-no REFUND-1001-1 --json",
    "qfpay refund --durable --intent refund-order-1001 --db qfpay.db --syssn 20191227000200020061752831 --amount 500"
  ],
  notes: [resumeNote, sandboxNote],
  signals: "handled",
  run: (flags) => {
    const input = Either.gen(function*() {
      const syssn = yield* Flags.required("refund", Flags.syssn, flags.syssn)
      const txamt = yield* Flags.requiredCents("refund", Flags.amount, flags.amount)
      return {
        syssn,
        txamt,
        out_trade_no: Option.getOrUndefined(flags.outTradeNo),
        udid: Option.getOrUndefined(flags.udid)
      }
    })
    if (flags.durable) {
      return durably(
        "refund",
        flags,
        Either.all([input, waitOf(flags)]).pipe(
          Either.map(([refundInput, wait]) => (intent: string) =>
            Effect.map(Durable.refund(intent, refundInput, { wait }), (r) => Render.receipt(r, { intent }))
          )
        )
      )
    }
    return operate(
      flags,
      Either.flatMap(
        notDurable("refund", flags),
        () => Either.map(input, (refundInput) => Effect.map(refund(refundInput), (r) => Render.receipt(r)))
      )
    )
  }
})

const reverseCommand = define({
  name: "reverse",
  summary: "Reverse a payment that has not completed (POST /trade/v1/reversal).",
  description: [
    "Reverse a payment that has not completed (POST /trade/v1/reversal), in full. An answer \"in progress\" is polled until it settles; a 0000 is checked once with an enquiry."
  ],
  flags: cancelFlags,
  required: ["amount", "txdtm"],
  oneOf: ["syssn", "outTradeNo"],
  examples: [`qfpay reverse --env test --out-trade-no ORDER-1001 --amount 2500 --txdtm "2026-03-01 12:30:00"`],
  notes: [resumeNote, sandboxNote],
  signals: "handled",
  run: (flags) =>
    operate(
      flags,
      Either.map(cancelInput("reverse", flags), (input) => Effect.map(reverse(input), (r) => Render.receipt(r)))
    )
})

const closeCommand = define({
  name: "close",
  summary: "Close a payment that has not completed (GET /trade/v1/close).",
  description: [
    "Close a payment that has not completed (GET /trade/v1/close), in full. An answer \"in progress\" is polled until it settles; a 0000 is checked once with an enquiry."
  ],
  flags: cancelFlags,
  required: ["amount", "txdtm"],
  oneOf: ["syssn", "outTradeNo"],
  examples: [`qfpay close --env test --syssn 20191227000200020061752831 --amount 1800 --txdtm "2026-03-01 12:30:00"`],
  notes: [resumeNote, sandboxNote],
  signals: "handled",
  run: (flags) =>
    operate(
      flags,
      Either.map(cancelInput("close", flags), (input) => Effect.map(close(input), (r) => Render.receipt(r)))
    )
})

const cancelCommand = define({
  name: "cancel",
  summary: "Reverse or close a payment that has not completed, as its pay type requires.",
  description: [
    "Cancel a payment that has not completed: a reversal or a close, as its pay type requires (an unknown pay type is refused, never guessed).",
    "With --durable --intent ID --db FILE, the cancellation is recorded before its first request and followed to its end across crashes and restarts."
  ],
  flags: {
    syssn: Flags.syssn,
    outTradeNo: Flags.outTradeNo,
    amount: Flags.amount,
    txdtm: Flags.txdtm,
    udid: Flags.udid,
    payType: Flags.payType,
    ...durableFlags,
    ...target,
    ...polling,
    json: Flags.json
  },
  required: ["amount", "txdtm", "payType"],
  oneOf: ["syssn", "outTradeNo"],
  examples: [
    `qfpay cancel --env test --syssn 20191227000200020061752831 --amount 990 --txdtm "2026-03-01 12:30:00" --pay-type 801008`
  ],
  notes: [resumeNote, sandboxNote],
  signals: "handled",
  run: (flags) => {
    const input = Either.gen(function*() {
      const payment = yield* cancelInput("cancel", flags)
      const pay_type = yield* Flags.required("cancel", Flags.payType, flags.payType)
      return { ...payment, pay_type }
    })
    if (flags.durable) {
      return durably(
        "cancel",
        flags,
        Either.all([input, waitOf(flags)]).pipe(
          Either.map(([cancelInput_, wait]) => (intent: string) =>
            Effect.map(Durable.cancel(intent, cancelInput_, { wait }), (r) => Render.receipt(r, { intent }))
          )
        )
      )
    }
    return operate(
      flags,
      Either.flatMap(
        notDurable("cancel", flags),
        () => Either.map(input, (cancelInput_) => Effect.map(cancel(cancelInput_), (r) => Render.receipt(r)))
      )
    )
  }
})

const undoResult = (result: Undo.UndoResult, extra: Readonly<Record<string, unknown>> = {}): Render.Outcome =>
  result._tag === "NothingToUndo"
    // The description already says "nothing to undo".
    ? Render.ok(Render.sentence(result.description), {
      action: "none",
      reason: result.reason,
      orig_syssn: result.payment.syssn,
      out_trade_no: result.payment.out_trade_no,
      respcd: result.payment.respcd,
      txamt: result.payment.txamt,
      ...extra
    })
    : Render.receipt(result.receipt, { action: result.receipt.operation, ...extra })

const undoCommand = define({
  name: "undo",
  summary: "Undo a payment whatever its state: refund if paid, cancel if not, nothing if already undone.",
  description: [
    "Look the payment up, then refund it (what is left of it) if it was paid, cancel it if it has not completed, or say that there is nothing left to undo. Running it twice changes nothing the second time.",
    "With --durable --intent ID --db FILE, the undo is recorded before its first request and followed to its end across crashes and restarts."
  ],
  flags: {
    syssn: Flags.syssn,
    outTradeNo: Flags.outTradeNo,
    amount: Flags.undoAmount,
    refundOutTradeNo: Flags.refundOutTradeNo,
    udid: Flags.udid,
    ...durableFlags,
    ...target,
    ...polling,
    json: Flags.json
  },
  oneOf: ["syssn", "outTradeNo"],
  examples: [
    "qfpay undo --env test --out-trade-no ORDER-1001",
    "qfpay undo --syssn 20191227000200020061752831 --amount 400",
    "qfpay undo --durable --intent undo-order-1001 --db qfpay.db --out-trade-no ORDER-1001"
  ],
  notes: [resumeNote, sandboxNote],
  signals: "handled",
  run: (flags) => {
    const input = Either.map(Flags.cents(Flags.undoAmount, flags.amount), (txamt) => ({
      syssn: Option.getOrUndefined(flags.syssn),
      out_trade_no: Option.getOrUndefined(flags.outTradeNo),
      txamt: Option.getOrUndefined(txamt),
      udid: Option.getOrUndefined(flags.udid)
    }))
    if (flags.durable) {
      return durably(
        "undo",
        flags,
        Either.all([input, waitOf(flags)]).pipe(
          Either.map(([undoInput, wait]) => (intent: string) =>
            Effect.map(Durable.undo(intent, undoInput, { wait }), (r) => undoResult(r, { intent }))
          )
        )
      )
    }
    return operate(
      flags,
      Either.flatMap(notDurable("undo", flags), () =>
        Either.map(input, (undoInput) =>
          Effect.map(
            undo({ ...undoInput, refund_out_trade_no: Option.getOrUndefined(flags.refundOutTradeNo) }),
            (r) => undoResult(r)
          )))
    )
  }
})

const queryCommand = define({
  name: "query",
  summary: "Look transactions up (POST /trade/v1/query).",
  description: [
    "Look transactions up by QFPay transaction number or out_trade_no: a table, or with --json the rows as QFPay gives them. One request; nothing is changed."
  ],
  flags: {
    syssn: Flags.syssnList,
    outTradeNo: Flags.outTradeNoList,
    page: Flags.page,
    pageSize: Flags.pageSize,
    ...target,
    json: Flags.json
  },
  oneOf: ["syssn", "outTradeNo"],
  examples: ["qfpay query --env test --out-trade-no ORDER-1001,ORDER-1002"],
  signals: "handled",
  run: (flags) =>
    operate(
      flags,
      Either.gen(function*() {
        if (Option.isNone(flags.syssn) && Option.isNone(flags.outTradeNo)) {
          return yield* Either.left(
            new Flags.FlagError({
              message: "qfpay query needs --syssn or --out-trade-no (comma-separated lists allowed)"
            })
          )
        }
        const page = yield* Flags.whole(Flags.page, flags.page)
        const pageSize = yield* Flags.whole(Flags.pageSize, flags.pageSize)
        return Effect.map(
          query({
            syssn: Flags.list(flags.syssn),
            out_trade_no: Flags.list(flags.outTradeNo),
            page: Option.getOrUndefined(page),
            page_size: Option.getOrUndefined(pageSize)
          }),
          (result) =>
            Render.ok(
              `${result.rows.length} transaction${
                result.rows.length === 1 ? "" : "s"
              } (page ${result.page}, ${result.page_size} per page).`,
              { respcd: "0000", page: result.page, page_size: result.page_size, rows: result.rows },
              result.rows.length === 0 ? [] : Render.table(result.rows)
            )
        )
      })
    )
})

const pollCommand = define({
  name: "poll",
  summary: "Resume an operation that was still in progress, or reconcile one whose outcome is unknown.",
  description: [
    "Resume polling an operation that ended still pending (exit 3), with the handle it printed. With --reconcile (after exit 4), look it up first and resubmit it unchanged only if QFPay does not know it."
  ],
  flags: { reconcile: Flags.reconcile, ...target, ...polling, json: Flags.json },
  positional: { name: "handle", description: "the handle printed by the command that ended pending or unknown" },
  examples: ["qfpay poll --env test eyJfdGFnIjoiUmVmdW5kSGFuZGxlIiwi…"],
  signals: "handled",
  run: (flags, context) =>
    operate(
      flags,
      Either.gen(function*() {
        const token = yield* Option.match(context.positional, {
          onNone: () =>
            Either.left(
              new Flags.FlagError({
                message:
                  "qfpay poll needs the handle printed by the command that ended pending or unknown: qfpay poll <handle>"
              })
            ),
          onSome: Either.right
        })
        const handle = yield* Either.mapLeft(
          Handle.fromToken(token),
          () => new Flags.FlagError({ message: "that handle is not one qfpay printed (copy it whole)" })
        )
        return Effect.map(flags.reconcile ? reconcile(handle) : pollUntilSettled(handle), (r) => Render.receipt(r))
      })
    )
})

const sandboxCommand = define({
  name: "sandbox",
  summary: "Run the sandbox server in the foreground.",
  description: [
    "Run a QFPay sandbox on loopback: QFPay's wire format, the demo credentials, and admin routes under /_sandbox/ to create payments, script outcomes and inject faults (see the README). Point other commands at it with --env and the demo credentials."
  ],
  flags: { host: Flags.host, port: Flags.port, json: Flags.json },
  examples: [
    "qfpay sandbox --port 8080",
    `curl -s -X POST http://127.0.0.1:8080/_sandbox/payments -d '{"txamt":1000,"state":"paid"}'`
  ],
  notes: [
    "It runs until Ctrl-C. With --json, it prints one JSON object (status \"running\", its url) once it listens."
  ],
  signals: "handled",
  run: (flags, context) =>
    Either.match(Flags.portNumber(flags.port, 8080), {
      onLeft: (error) => Effect.succeed(Render.invalid(error.message, { nothingSent: false })),
      onRight: (port) => {
        const host = Option.getOrElse(flags.host, () => "127.0.0.1")
        return Effect.gen(function*() {
          const sandbox = yield* SandboxServer.SandboxServer
          yield* Console.log(
            context.json
              ? JSON.stringify({
                status: "running",
                url: sandbox.url,
                app_code: sandbox.simulator.credential.appCode,
                message: "The sandbox is running."
              })
              : [
                `QFPay sandbox listening on ${sandbox.url}`,
                `  app code:   ${sandbox.simulator.credential.appCode}`,
                `  client key: the sandbox demo key (see the README)`,
                `  admin:      ${sandbox.url}${SandboxServer.ADMIN_PREFIX}/ (payments, scripts, faults, log)`,
                `Press Ctrl-C to stop.`
              ].join("\n")
          )
          const signal = yield* (yield* Signals).signal
          return Render.stopped(signal, "The sandbox")
        }).pipe(
          Effect.provide(SandboxServer.layer({ host, port, simulator: { credentials: [Simulator.demoCredential] } })),
          Effect.catchAll((error) =>
            Effect.succeed(
              Render.invalid(`could not start the sandbox on ${host}:${port}: ${reason(error)}`, { nothingSent: false })
            )
          )
        )
      }
    })
})

// A server error's own message is often empty; its cause (EADDRINUSE, EACCES) says what happened.
const reason = (error: { readonly message: string; readonly cause?: unknown }): string =>
  error.message !== ""
    ? error.message
    : error.cause instanceof Error
    ? error.cause.message
    : String(error.cause ?? "unknown error")

const workerCommand = define({
  name: "worker",
  summary: "Run durable operations: resume every one in flight, then follow new ones, until stopped.",
  description: [
    "Run the durable operations recorded in --db: every operation in flight is resumed at start (an activity cut off by a crash is reconciled, never sent blind), operations in progress are followed to their end, and new ones are taken as they are recorded.",
    "SQLite: one worker per file (a second one is refused). Postgres: several workers share the database, each listening on --listen for the others; when one dies, the others take its operations over."
  ],
  flags: { db: Flags.db, listen: Flags.listen, ...target, json: Flags.json },
  required: ["db"],
  examples: [
    "qfpay worker --db qfpay.db --env test",
    "qfpay worker --db postgres://qfpay@db/qfpay --listen 10.0.0.5:34431"
  ],
  notes: ["It runs until SIGINT or SIGTERM, then finishes the request in flight and stops."],
  signals: "handled",
  run: (flags, context) =>
    Either.match(
      Either.all([
        DurableCli.store("worker", flags.db),
        DurableCli.listenAddress(flags.listen),
        Target.settings(flags)
      ]),
      {
        onLeft: (error) => Effect.succeed(Render.invalid(error.message)),
        onRight: ([store, listen, settings]) =>
          Effect.gen(function*() {
            const pending = yield* Durable.list({ state: "pending" })
            const started = `QFPay worker running on ${DurableCli.describe(store)}: ${pending.length} operation${
              pending.length === 1 ? "" : "s"
            } in flight resumed.`
            yield* context.json
              ? Console.log(
                JSON.stringify({
                  status: "running",
                  db: DurableCli.describe(store),
                  resumed: pending.length,
                  message: started
                })
              )
              : Console.error(started)
            const signal = yield* (yield* Signals).signal
            return { ...Render.stopped(signal, "The worker"), exitCode: 0 } satisfies Render.Outcome
          }).pipe(
            Effect.provide(DurableCli.engine(store, listen)),
            Effect.provide(Target.layer(settings)),
            Effect.catchAll((error) => Effect.succeed(Render.invalid(describeStartFailure(error))))
          )
      }
    )
})

const statusCommand = define({
  name: "status",
  summary: "Show what the journal says of a durable intent.",
  description: [
    "Show a durable intent's state (pending, settled or failed), its operation's ids, and its result. It only reads the journal: it runs beside a worker."
  ],
  flags: { intent: Flags.intent, db: Flags.db, json: Flags.json },
  required: ["intent", "db"],
  examples: ["qfpay status --intent refund-order-1001 --db qfpay.db"],
  run: (flags) =>
    Either.match(
      Either.all([Flags.required("status", Flags.intent, flags.intent), DurableCli.store("status", flags.db)]),
      {
        onLeft: (error) => Effect.succeed(Render.invalid(error.message, { nothingSent: false })),
        onRight: ([intent, store]) =>
          Durable.status(intent).pipe(
            Effect.map(DurableCli.status),
            Effect.provide(DurableCli.reader(store)),
            Effect.catchAll((error) =>
              Effect.succeed(Render.invalid(describeStartFailure(error), { nothingSent: false }))
            )
          )
      }
    )
})

const journalCommand = define({
  name: "journal",
  summary: "List the durable intents: qfpay journal list [--state pending].",
  description: [
    "List the durable intents recorded in --db, oldest first; --state keeps those in one state. It only reads the journal."
  ],
  flags: { db: Flags.db, state: Flags.state, json: Flags.json },
  required: ["db"],
  positional: { name: "action", description: "list" },
  examples: ["qfpay journal list --state pending --db qfpay.db"],
  run: (flags, context) =>
    Either.match(
      Either.all([
        Option.match(context.positional, {
          onNone: () => Either.right("list"),
          onSome: (action) =>
            action === "list"
              ? Either.right(action)
              : Either.left(
                new Flags.FlagError({ message: `qfpay journal knows one action, list; got ${JSON.stringify(action)}` })
              )
        }),
        DurableCli.store("journal", flags.db),
        DurableCli.stateFilter(flags.state)
      ]),
      {
        onLeft: (error) => Effect.succeed(Render.invalid(error.message, { nothingSent: false })),
        onRight: ([, store, state]) =>
          Durable.list({ state }).pipe(
            Effect.map((entries) =>
              Render.ok(
                `${entries.length} intent${entries.length === 1 ? "" : "s"}${state === undefined ? "" : ` ${state}`}.`,
                {
                  intents: entries.map((e) => ({
                    intent: e.intent,
                    kind: e.kind,
                    state: e.state,
                    updated_at: e.updatedAt
                  }))
                },
                entries.map((e) => `${e.intent}  ${e.kind}  ${e.state}  ${e.updatedAt}`)
              )
            ),
            Effect.provide(DurableCli.reader(store)),
            Effect.catchAll((error) =>
              Effect.succeed(Render.invalid(describeStartFailure(error), { nothingSent: false }))
            )
          )
      }
    )
})

const readStdin = Effect.async<Uint8Array>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.on("end", () => resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks)))))
  process.stdin.on("error", () => resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks)))))
})

const verifyCommand = define({
  name: "verify-notification",
  summary: "Verify a QFPay notification body (stdin) against its X-QF-SIGN header, with QFPAY_CLIENT_KEY.",
  description: [
    "Verify a QFPay notification: the body is read from stdin, the signature is the X-QF-SIGN header, the key is QFPAY_CLIENT_KEY. Nothing is sent anywhere. Exit 0 and status \"verified\" when the signature matches; exit 1 and status \"invalid\" when it does not."
  ],
  flags: { signature: Flags.signature, json: Flags.json },
  required: ["signature"],
  examples: [`qfpay verify-notification --signature 3A7E…C1 < notification.json`],
  run: (flags) =>
    Effect.gen(function*() {
      // Nothing is ever sent by this command, so its messages do not say "Nothing was sent".
      const refuse = (message: string) => Render.invalid(message, { nothingSent: false })
      const signature = Flags.required("verify-notification", Flags.signature, flags.signature)
      if (Either.isLeft(signature)) return refuse(`${signature.left.message}; the body is read from stdin`)
      const key = yield* Effect.either(QFPayConfig.clientKeyFromEnv)
      if (Either.isLeft(key)) {
        return refuse(Target.describeConfigError(key.left, "verify-notification reads the key from QFPAY_CLIENT_KEY"))
      }
      const body = yield* readStdin
      return Either.match(NotificationHandler.verifyBody(body, signature.right, key.right), {
        onLeft: (e) => refuse(e.message),
        onRight: ({ identity, notification }): Render.Outcome => ({
          exitCode: 0,
          status: "verified",
          fields: {
            notify_type: notification.notify_type,
            identity,
            syssn: notification.syssn,
            out_trade_no: notification.out_trade_no,
            txamt: notification.txamt,
            respcd: notification.respcd
          },
          message:
            `Valid ${notification.notify_type} notification ${identity}: ${notification.txamt} cents, respcd ${notification.respcd}.`,
          details: []
        })
      })
    })
})

const demoCommand = define({
  name: "demo",
  summary: "Walk through refunds, reversals, closes, undo and a lost answer against an embedded sandbox.",
  description: [
    "Run the walkthrough against an embedded sandbox, over real HTTP with signed requests: a partial refund and the rest, an over-limit refund refused, a reversal polled to settlement, a close, undo of a paid and an unpaid order, and a refund whose answer is lost, reconciled without refunding twice. No credentials needed."
  ],
  flags: { pollInterval: Flags.pollInterval, json: Flags.json },
  run: (flags, context) =>
    Either.match(
      Target.settings({ env: Option.none(), timeout: Option.none(), pollInterval: flags.pollInterval }, {
        pollInterval: 0.25
      }),
      {
        onLeft: (error) => Effect.succeed(Render.invalid(error.message)),
        onRight: (settings) =>
          Effect.gen(function*() {
            const interval = settings.poll.firstDelay
            const say = (line: string) => (context.json ? Console.error(line) : Console.log(line))
            const result = yield* Demo.run({ say, pollInterval: interval }).pipe(
              Effect.provide(Demo.layer(interval)),
              Effect.provideService(PollProgress.PollProgress, progress),
              Effect.either
            )
            if (Either.isLeft(result)) {
              return Render.invalid(`the demo could not run: ${result.left.message}`, { nothingSent: false })
            }
            const failed = result.right.steps.filter((s) => !s.ok)
            return failed.length === 0
              ? Render.ok(`Demo complete: every step behaved as expected.`, {
                steps: result.right.steps,
                refunds: result.right.refunds
              })
              : Render.invalid(
                `Demo: ${failed.length} step(s) did not behave as expected: ${failed.map((s) => s.step).join(", ")}`,
                { nothingSent: false }
              )
          })
      }
    )
})

/**
 * Every command, in the order the help lists them. A new command is one more entry.
 *
 * @since 0.2.0
 * @category commands
 */
export const commands: ReadonlyArray<Command> = [
  refundCommand,
  reverseCommand,
  closeCommand,
  cancelCommand,
  undoCommand,
  queryCommand,
  pollCommand,
  sandboxCommand,
  workerCommand,
  statusCommand,
  journalCommand,
  verifyCommand,
  demoCommand
]

const byName: ReadonlyMap<string, Command> = new Map(commands.map((c) => [c.help.name, c]))

/**
 * The parser of the whole command line.
 *
 * @since 0.2.0
 * @category commands
 */
export const root: Descriptor.Command<Option.Option<Run>> = Descriptor.make("qfpay").pipe(
  Descriptor.withSubcommands([
    [refundCommand.help.name, refundCommand.descriptor],
    ...commands.slice(1).map((c) => [c.help.name, c.descriptor] as const)
  ]),
  Descriptor.map((parsed) => Option.map(parsed.subcommand, ([, run]) => run))
)

// --- reading the command line -----------------------------------------------------------------

/**
 * What is valid anywhere on a command line, read before the command's flags are parsed.
 *
 * @since 0.2.0
 * @category models
 */
export interface Scanned {
  readonly json: boolean
  readonly help: boolean
  readonly version: boolean
  /** `--log-level`'s value; `Some("")` when it had none. */
  readonly logLevel: Option.Option<string>
  /** The first word that is not a flag: the command's name, if it is one. */
  readonly word: Option.Option<string>
  /** The line without `--help`, `--version` and `--log-level`, for the parser. */
  readonly rest: ReadonlyArray<string>
}

/**
 * Reads `--json`, `--help` / `-h`, `--version` and `--log-level` wherever they are (up to
 * `--`), and the command's name.
 *
 * @since 0.2.0
 * @category parsing
 */
export const scan = (args: ReadonlyArray<string>): Scanned => {
  const rest: Array<string> = []
  let json = false
  let help = false
  let showVersion = false
  let logLevel: Option.Option<string> = Option.none()
  let word: Option.Option<string> = Option.none()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (arg === "--json" || arg === "--json=true") json = true
    if (arg === "--help" || arg === "-h") help = true
    else if (arg === "--version") showVersion = true
    else if (arg === "--log-level") {
      const next = args[i + 1]
      logLevel = Option.some(next === undefined || next.startsWith("-") ? "" : next)
      if (next !== undefined && !next.startsWith("-")) i++
    } else if (arg.startsWith("--log-level=")) logLevel = Option.some(arg.slice("--log-level=".length))
    else if (arg === "--completions" && args[i + 1] !== undefined) {
      // Its value is a shell's name, not a command's.
      rest.push(arg, args[i + 1])
      i++
    } else {
      if (Option.isNone(word) && !arg.startsWith("-")) word = Option.some(arg)
      rest.push(arg)
    }
  }
  return { json, help, version: showVersion, logLevel, word, rest }
}

const commandList = commands.map((c) => c.help.name).join(", ")

const spanText = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Sequence":
      return `${spanText(span.left)}${spanText(span.right)}`
    case "Highlight":
    case "Strong":
    case "Weak":
      return spanText(span.value)
  }
}

// A parser's message as plain text, whatever the terminal.
const docText = (doc: HelpDoc.HelpDoc): string => {
  switch (doc._tag) {
    case "Empty":
      return ""
    case "Header":
    case "Paragraph":
      return spanText(doc.value)
    case "DescriptionList":
      return doc.definitions.map(([span, d]) => `${spanText(span)}: ${docText(d)}`).join("; ")
    case "Enumeration":
      return doc.elements.map(docText).join("; ")
    case "Sequence":
      return [docText(doc.left), docText(doc.right)].filter((t) => t !== "").join(" ")
  }
}

const describeValidation = (error: ValidationError.ValidationError, command: Command): string =>
  `${docText(error.error).trim()}; run qfpay ${command.help.name} --help for its flags`

// Money commands once took --sandbox: an embedded sandbox that started empty, so every refund
// answered 1268. Say where to go instead.
const sandboxRefusal = (command: string) =>
  `qfpay ${command} has no --sandbox: an embedded sandbox would start empty, with no payment to act on. Run \`qfpay demo\` for a walkthrough, or \`qfpay sandbox\` and create payments through its admin routes (see the README), then point this command at it with --env http://127.0.0.1:8080`

// What the parser could not place: a flag the command does not have, a flag without its value,
// one given twice, or a stray word.
const describeLeftover = (command: Command, token: string, args: ReadonlyArray<string>): string => {
  const name = command.help.name
  const hint = `run qfpay ${name} --help for its flags`
  if (!token.startsWith("-")) {
    return command.help.positional === undefined
      ? `qfpay ${name} takes no argument ${JSON.stringify(token)}; ${hint}`
      : `qfpay ${name} takes one ${command.help.positional.name}, and ${JSON.stringify(token)} is one too many`
  }
  const typed = token.replace(/^-+/, "").split("=")[0]
  const flag = command.flags.find((f) => f.name === typed)
  if (flag !== undefined) {
    return args.filter((a) => a === `--${typed}` || a.startsWith(`--${typed}=`)).length > 1
      ? `--${flag.name} was given more than once; give it once`
      : `--${flag.name} needs a value: ${flag.description}`
  }
  const guess = Flags.closest(typed, command.flags.map((f) => f.name))
  return `qfpay ${name} has no flag ${token.split("=")[0]}${
    Option.match(guess, { onNone: () => "", onSome: (g) => ` (did you mean --${g}?)` })
  }; ${hint}`
}

const text = (message: string): Render.Reply => ({
  outcome: { exitCode: 0, status: "settled", fields: {}, message, details: [] },
  json: false
})

const logLevelOf = (
  scanned: Scanned,
  fallback: string
): Effect.Effect<Either.Either<LogLevel.LogLevel, Flags.FlagError>, ConfigError.ConfigError> =>
  Option.match(scanned.logLevel, {
    onSome: (typed) =>
      Effect.succeed(
        typed === ""
          ? Either.left(new Flags.FlagError({ message: `--log-level needs a value: ${Flags.logLevel.description}` }))
          : Flags.parseLogLevel("--log-level", typed)
      ),
    onNone: () =>
      Effect.map(
        Config.option(Config.string("QFPAY_LOG_LEVEL")),
        Option.match({
          onNone: () => Flags.parseLogLevel("QFPAY_LOG_LEVEL", fallback),
          onSome: (typed) => Flags.parseLogLevel("QFPAY_LOG_LEVEL", typed)
        })
      )
  })

/**
 * Reads a command line (as `process.argv`), runs the command and returns what to print and the
 * exit code. It never fails: a mistyped flag, a bad setting or a defect is an outcome too.
 *
 * @since 0.2.0
 * @category running
 */
export const main = (
  argv: ReadonlyArray<string>,
  options: { readonly colour?: boolean | undefined } = {}
): Effect.Effect<Render.Reply, never, Environment> => {
  const scanned = scan(argv.slice(2))
  const reply = (outcome: Render.Outcome): Render.Reply => ({ outcome, json: scanned.json })
  const colour = options.colour ?? false
  const named = Option.flatMap(scanned.word, (word) => Option.fromNullable(byName.get(word)))
  return Effect.gen(function*() {
    if (scanned.help) {
      return text(
        Option.match(named, {
          onNone: () => Help.top(commands.map((c) => c.help), { colour, version }),
          onSome: (command) => Help.command(command.help, { colour })
        })
      )
    }
    if (scanned.version) return text(`qfpay ${version}`)
    // The servers (sandbox, worker) say what they do at info: each request, each resumption.
    const fallback = Option.match(named, {
      onNone: () => "warning",
      onSome: (c) => (c.help.name === "sandbox" || c.help.name === "worker" ? "info" : "warning")
    })
    const level = yield* Effect.orElseSucceed(
      logLevelOf(scanned, fallback),
      () => Flags.parseLogLevel("QFPAY_LOG_LEVEL", fallback)
    )
    if (Either.isLeft(level)) return reply(Render.invalid(level.left.message))
    const topHelp = () => text(Help.top(commands.map((c) => c.help), { colour, version }))
    if (scanned.rest.length === 0) return topHelp()
    const giveCommand = () =>
      reply(Render.invalid(`give a command first: qfpay <command> [options], where the commands are ${commandList}`))
    if (Option.isSome(scanned.word) && Option.isNone(named)) {
      const word = scanned.word.value
      return reply(Render.invalid(
        `${JSON.stringify(word)} is not a qfpay command${
          Option.match(Flags.closest(word, commands.map((c) => c.help.name)), {
            onNone: () => "",
            onSome: (guess) => ` (did you mean ${guess}?)`
          })
        }; the commands are ${commandList}`
      ))
    }
    // Before parsing: the parser could take it for a value or an argument.
    if (
      Option.isSome(named) && named.value.flags.includes(Flags.env) &&
      scanned.rest.some((arg) => arg === "--sandbox" || arg.startsWith("--sandbox="))
    ) return reply(Render.invalid(sandboxRefusal(named.value.help.name)))
    const parsed = yield* Effect.either(Descriptor.parse(root, ["qfpay", ...scanned.rest], CliConfig.defaultConfig))
    if (Either.isLeft(parsed)) {
      return Option.match(named, {
        onNone: giveCommand,
        onSome: (command) => reply(Render.invalid(describeValidation(parsed.left, command)))
      })
    }
    const directive = parsed.right
    const hint = Option.match(named, { onNone: () => "qfpay --help", onSome: (c) => `qfpay ${c.help.name} --help` })
    if (directive._tag === "BuiltIn") {
      switch (directive.option._tag) {
        case "ShowCompletions": {
          const completions = directive.option.shellType === "bash"
            ? Descriptor.getBashCompletions(root, "qfpay")
            : directive.option.shellType === "fish"
            ? Descriptor.getFishCompletions(root, "qfpay")
            : Descriptor.getZshCompletions(root, "qfpay")
          return text((yield* completions).join("\n"))
        }
        case "ShowHelp":
          return Option.match(named, { onNone: topHelp, onSome: (c) => text(Help.command(c.help, { colour })) })
        case "ShowVersion":
          return text(`qfpay ${version}`)
        case "ShowWizard":
        case "SetLogLevel":
          // @effect/cli's wizard is interactive and not part of qfpay; --log-level was read above.
          return reply(Render.invalid(`qfpay has no --wizard mode; run ${hint} for the flags`))
      }
    }
    if (Option.isNone(named)) return giveCommand()
    const [leftover] = directive.leftover
    if (leftover !== undefined) return reply(Render.invalid(describeLeftover(named.value, leftover, scanned.rest)))
    return yield* Option.match(directive.value, {
      onNone: () => Effect.succeed(topHelp()),
      onSome: (run) =>
        Effect.map(
          named.value.signals === "handled"
            ? run({ json: scanned.json }).pipe(Logger.withMinimumLogLevel(level.right))
            : Effect.raceFirst(
              run({ json: scanned.json }).pipe(Logger.withMinimumLogLevel(level.right)),
              Effect.flatMap(Signals, (s) =>
                Effect.map(s.signal, (signal) => Render.stopped(signal, `qfpay ${named.value.help.name}`)))
            ),
          reply
        )
    })
  }).pipe(Effect.catchAllDefect((defect) => Effect.succeed(reply(Render.unexpected(defect)))))
}

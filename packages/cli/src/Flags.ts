/**
 * The flags of the `qfpay` commands: each one's name, placeholder and description (what the
 * help shows) with its `@effect/cli` option (what the parser reads), and the functions that turn
 * the text typed into the values the programs take. Every value is read as text and checked
 * here, so that a bad one gets a sentence naming the flag and what it accepts.
 *
 * @since 0.2.0
 */
import * as AutoCorrect from "@effect/cli/AutoCorrect"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Options from "@effect/cli/Options"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"

/**
 * A flag given a bad value, or missing: nothing was sent.
 *
 * @since 0.2.0
 * @category errors
 */
export class FlagError extends Data.TaggedError("FlagError")<{ readonly message: string }> {}

/**
 * What the help shows for a flag.
 *
 * @since 0.2.0
 * @category models
 */
export interface Help {
  /** Without the dashes: `syssn`. */
  readonly name: string
  /** A short alias, with its dash: `-h`. */
  readonly alias?: string | undefined
  /** What goes after the flag, such as `<cents>`; none for a switch. */
  readonly placeholder?: string | undefined
  readonly description: string
}

/**
 * A flag: its help, and the option the parser reads it with.
 *
 * @since 0.2.0
 * @category models
 */
export interface Flag<A> extends Help {
  readonly options: Options.Options<A>
}

/**
 * The value a flag reads.
 *
 * @since 0.2.0
 * @category models
 */
export type Value<F> = F extends Flag<infer A> ? A : never

/**
 * `--name`, with the placeholder when it takes a value.
 *
 * @since 0.2.0
 * @category formatting
 */
export const show = (flag: Help): string =>
  `--${flag.name}${flag.placeholder === undefined ? "" : ` ${flag.placeholder}`}`

/**
 * A flag that takes a value. Optional to the parser: whether a command needs it is checked by
 * the command (with {@link required}), so that a missing one gets a sentence, not a parse error.
 *
 * @since 0.2.0
 * @category constructors
 */
export const text = (name: string, placeholder: string, description: string): Flag<Option.Option<string>> => ({
  name,
  placeholder,
  description,
  options: Options.text(name).pipe(Options.withDescription(description), Options.optional)
})

/**
 * A switch.
 *
 * @since 0.2.0
 * @category constructors
 */
export const toggle = (name: string, description: string): Flag<boolean> => ({
  name,
  description,
  options: Options.boolean(name).pipe(Options.withDescription(description))
})

// --- the flags --------------------------------------------------------------------------

/**
 * @since 0.2.0
 * @category flags
 */
export const env = text(
  "env",
  "<name|url>",
  "production, test, sandbox, or a base URL such as http://127.0.0.1:8080 (overrides QFPAY_ENV)"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const timeout = text(
  "timeout",
  "<seconds>",
  "seconds to wait for each HTTP answer (overrides QFPAY_TIMEOUT; default 15)"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const pollInterval = text(
  "poll-interval",
  "<seconds>",
  "seconds before the first enquiry, and the base of the backoff (decimals allowed)"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const pollDeadline = text(
  "poll-deadline",
  "<seconds>",
  "seconds after which polling stops and the operation is reported still pending"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const json = toggle("json", "print one JSON object on stdout, whatever happens (messages go to stderr)")

/**
 * @since 0.2.0
 * @category flags
 */
export const syssn = text("syssn", "<syssn>", "the payment's QFPay transaction number")

/**
 * @since 0.2.0
 * @category flags
 */
export const outTradeNo = text("out-trade-no", "<id>", "the payment's out_trade_no (your order id)")

/**
 * @since 0.2.0
 * @category flags
 */
export const refundId = text(
  "out-trade-no",
  "<id>",
  "the refund's own id: made for you when absent; give the same one to retry the same refund safely"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const amount = text(
  "amount",
  "<cents>",
  "the amount in cents, a whole number: 1000 is 10.00"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const undoAmount = text(
  "amount",
  "<cents>",
  "for a paid payment, the cents to refund, a whole number: 1000 is 10.00 (default: all that is left)"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const txdtm = text("txdtm", "<time>", `the original payment's time, "YYYY-MM-DD hh:mm:ss" (QFPay's local time)`)

/**
 * @since 0.2.0
 * @category flags
 */
export const udid = text("udid", "<id>", "terminal or device id, if the payment had one")

/**
 * @since 0.2.0
 * @category flags
 */
export const payType = text("pay-type", "<code>", "the payment's six-digit pay type, such as 800101 (Alipay MPM)")

/**
 * @since 0.2.0
 * @category flags
 */
export const refundOutTradeNo = text(
  "refund-out-trade-no",
  "<id>",
  "the refund's own id, when undo refunds (made for you when absent)"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const syssnList = text("syssn", "<syssn,…>", "QFPay transaction numbers, comma-separated")

/**
 * @since 0.2.0
 * @category flags
 */
export const outTradeNoList = text("out-trade-no", "<id,…>", "out_trade_no values, comma-separated")

/**
 * @since 0.2.0
 * @category flags
 */
export const page = text("page", "<n>", "page number, from 1")

/**
 * @since 0.2.0
 * @category flags
 */
export const pageSize = text("page-size", "<n>", "rows per page, at most 100")

/**
 * @since 0.2.0
 * @category flags
 */
export const reconcile = toggle(
  "reconcile",
  "look the operation up first, and resubmit it unchanged only if QFPay does not know it"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const durable = toggle(
  "durable",
  "record the operation in --db before the first request, and follow it to its end across crashes and restarts"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const intent = text(
  "intent",
  "<id>",
  "your name for this operation, such as refund-order-42: running it again with the same intent never moves money twice"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const db = text(
  "db",
  "<file|url>",
  "the durable operations' database: a SQLite file, or a postgres:// URL (or QFPAY_DB)"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const listen = text(
  "listen",
  "<host:port>",
  "with Postgres, the address this worker listens on for the other runners (default 127.0.0.1:34431)"
)

/**
 * @since 0.2.0
 * @category flags
 */
export const state = text("state", "<state>", "only intents in this state: pending, settled or failed")

/**
 * @since 0.2.0
 * @category flags
 */
export const host = text("host", "<address>", "address to listen on (default 127.0.0.1)")

/**
 * @since 0.2.0
 * @category flags
 */
export const port = text("port", "<port>", "port to listen on, 0 for any free port (default 8080)")

/**
 * @since 0.2.0
 * @category flags
 */
export const signature = text("signature", "<sign>", "the notification's X-QF-SIGN header")

/**
 * `--log-level`: read before the command is parsed (it is valid anywhere on the line), so it
 * has help but no option of its own.
 *
 * @since 0.2.0
 * @category flags
 */
export const logLevel: Help = {
  name: "log-level",
  placeholder: "<level>",
  description: "all, trace, debug, info, warning, error, fatal or none (overrides QFPAY_LOG_LEVEL; default warning)"
}

/**
 * `--help`, also read before the command is parsed.
 *
 * @since 0.2.0
 * @category flags
 */
export const help: Help = { name: "help", alias: "-h", description: "show this help" }

// --- reading values -----------------------------------------------------------------------

/**
 * The value of a flag the command needs.
 *
 * @since 0.2.0
 * @category parsing
 */
export const required = (command: string, flag: Help, value: Option.Option<string>): Either.Either<string, FlagError> =>
  Option.match(value, {
    onNone: () => Either.left(new FlagError({ message: `qfpay ${command} needs ${show(flag)} (${flag.description})` })),
    onSome: Either.right
  })

/**
 * An amount in cents. A number goes to the program as a number, so that its checks (whole,
 * within QFPay's bounds) say what is wrong with it; text that is not a number stops here.
 *
 * @since 0.2.0
 * @category parsing
 */
export const cents = (flag: Help, value: Option.Option<string>): Either.Either<Option.Option<number>, FlagError> =>
  Option.match(value, {
    onNone: () => Either.right(Option.none()),
    onSome: (typed) =>
      /^\s*-?\d+(\.\d+)?\s*$/.test(typed)
        ? Either.right(Option.some(Number(typed)))
        : Either.left(
          new FlagError({
            message: `--${flag.name} must be a whole number of cents (1000 is 10.00), got ${JSON.stringify(typed)}`
          })
        )
  })

/**
 * An amount in cents the command needs.
 *
 * @since 0.2.0
 * @category parsing
 */
export const requiredCents = (
  command: string,
  flag: Help,
  value: Option.Option<string>
): Either.Either<number, FlagError> =>
  Either.flatMap(
    required(command, flag, value),
    (typed) =>
      Either.flatMap(cents(flag, Option.some(typed)), (n) =>
        Option.match(n, {
          onNone: () => Either.left(new FlagError({ message: `qfpay ${command} needs ${show(flag)}` })),
          onSome: Either.right
        }))
  )

/**
 * A whole number such as a page. Like {@link cents}, a number is left to the program's checks.
 *
 * @since 0.2.0
 * @category parsing
 */
export const whole = (flag: Help, value: Option.Option<string>): Either.Either<Option.Option<number>, FlagError> =>
  Option.match(value, {
    onNone: () => Either.right(Option.none()),
    onSome: (typed) =>
      /^\s*-?\d+(\.\d+)?\s*$/.test(typed)
        ? Either.right(Option.some(Number(typed)))
        : Either.left(new FlagError({ message: `--${flag.name} must be a whole number, got ${JSON.stringify(typed)}` }))
  })

/**
 * A number of seconds above 0 (a day at most), decimals allowed.
 *
 * @since 0.2.0
 * @category parsing
 */
export const seconds = (
  flag: Help,
  value: Option.Option<string>
): Either.Either<Option.Option<Duration.Duration>, FlagError> =>
  Option.match(value, {
    onNone: () => Either.right(Option.none()),
    onSome: (typed) => {
      const t = typed.trim()
      const n = Number(t)
      return /^\d+(\.\d+)?$/.test(t) && n > 0 && n <= 86_400
        ? Either.right(Option.some(Duration.millis(Math.round(n * 1000))))
        : Either.left(
          new FlagError({
            message: `--${flag.name} must be a number of seconds above 0 (decimals allowed), got ${
              JSON.stringify(typed)
            }`
          })
        )
    }
  })

/**
 * A comma-separated list.
 *
 * @since 0.2.0
 * @category parsing
 */
export const list = (value: Option.Option<string>): ReadonlyArray<string> | undefined =>
  Option.match(value, { onNone: () => undefined, onSome: (typed) => typed.split(",").map((s) => s.trim()) })

/**
 * A TCP port, 0 to 65535.
 *
 * @since 0.2.0
 * @category parsing
 */
export const portNumber = (value: Option.Option<string>, fallback: number): Either.Either<number, FlagError> =>
  Option.match(value, {
    onNone: () => Either.right(fallback),
    onSome: (typed) => {
      const n = Number(typed.trim())
      return /^\d{1,5}$/.test(typed.trim()) && n <= 65535
        ? Either.right(n)
        : Either.left(
          new FlagError({ message: `--port must be a whole number from 0 to 65535, got ${JSON.stringify(typed)}` })
        )
    }
  })

// The flag each field of core's requests comes from, for messages. A Map: the field names come
// from a validation error, and an index on a plain object would also find "constructor".
const flagByField: ReadonlyMap<string, string> = new Map([
  ["txamt", "--amount"],
  ["syssn", "--syssn"],
  ["out_trade_no", "--out-trade-no"],
  ["txdtm", "--txdtm"],
  ["pay_type", "--pay-type"],
  ["udid", "--udid"],
  ["refund_out_trade_no", "--refund-out-trade-no"],
  ["page", "--page"],
  ["page_size", "--page-size"]
])

/**
 * The flag a field of a core request comes from (`txamt` → `--amount`).
 *
 * @since 0.2.0
 * @category formatting
 */
export const flagOfField = (field: string): string | undefined => flagByField.get(field)

/**
 * The log levels by the names `--log-level` and `QFPAY_LOG_LEVEL` take, in order.
 *
 * @since 0.2.0
 * @category log levels
 */
export const logLevels: ReadonlyMap<string, LogLevel.LogLevel> = new Map([
  ["all", LogLevel.All],
  ["trace", LogLevel.Trace],
  ["debug", LogLevel.Debug],
  ["info", LogLevel.Info],
  ["warning", LogLevel.Warning],
  ["error", LogLevel.Error],
  ["fatal", LogLevel.Fatal],
  ["none", LogLevel.None]
])

// Effect's own labels for two of them, accepted as well.
const aliases: ReadonlyMap<string, LogLevel.LogLevel> = new Map([["warn", LogLevel.Warning], ["off", LogLevel.None]])

/**
 * A log level by name; `source` is what it was read from, for the message.
 *
 * @since 0.2.0
 * @category log levels
 */
export const parseLogLevel = (source: string, typed: string): Either.Either<LogLevel.LogLevel, FlagError> => {
  const name = typed.trim().toLowerCase()
  const level = logLevels.get(name) ?? aliases.get(name)
  return level === undefined
    ? Either.left(
      new FlagError({
        message: `${source} must be one of ${[...logLevels.keys()].join(", ")}, got ${JSON.stringify(typed)}`
      })
    )
    : Either.right(level)
}

/**
 * The flag among `known` closest to a mistyped one, if one is close enough to be meant.
 *
 * @since 0.2.0
 * @category formatting
 */
export const closest = (typed: string, known: ReadonlyArray<string>): Option.Option<string> => {
  const ranked = known
    .map((name) => ({ name, distance: AutoCorrect.levensteinDistance(typed, name, CliConfig.defaultConfig) }))
    .filter((c) => c.distance <= 2)
    .sort((a, b) => a.distance - b.distance)
  return Option.fromNullable(ranked[0]?.name)
}

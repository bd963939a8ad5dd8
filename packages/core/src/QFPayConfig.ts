/**
 * The merchant's credentials and the library's policies, as an Effect service.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CancelRouting from "./CancelRouting.js"
import * as Decisions from "./Decisions.js"
import { AppCode, MchId } from "./Identifiers.js"
import { formatIssues, issuesOf } from "./internal/issues.js"
import * as PollPolicy from "./PollPolicy.js"
import * as RetryPolicy from "./RetryPolicy.js"
import type { SignType } from "./Signature.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly appCode: AppCode
  /** Never logged, never in an error or a span. */
  readonly clientKey: Redacted.Redacted<string>
  /** Sent with every request when QFPay issued one (agents). */
  readonly mchid: Option.Option<MchId>
  readonly signType: SignType
  /** The zone `txdtm` is written in. */
  readonly timeZone: DateTime.TimeZone
  readonly routing: CancelRouting.CancelRouting
  readonly poll: PollPolicy.PollPolicy
  readonly retry: RetryPolicy.RetryPolicy
  /**
   * After a `0000` reversal or close, ask the enquiry once (the seeds: "always verify"): a
   * payment shown paid fails the operation (`Rejected` 1260); shown cancelled confirms it;
   * anything else leaves the `0000` standing.
   */
  readonly confirmCancellation: boolean
  /** Verify `X-QF-SIGN` on responses that carry one. */
  readonly verifyResponses: boolean
}

/**
 * @since 0.1.0
 * @category tags
 */
export class QFPayConfig extends Context.Tag("@effect-qfpay/core/QFPayConfig")<QFPayConfig, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly appCode: string
  readonly clientKey: Redacted.Redacted<string> | string
  readonly mchid?: string | undefined
  readonly signType?: SignType | undefined
  /** IANA time zone name. Default `Asia/Hong_Kong`. */
  readonly timeZone?: string | undefined
  readonly routing?: CancelRouting.CancelRouting | undefined
  readonly poll?: PollPolicy.PollPolicy | undefined
  readonly retry?: RetryPolicy.RetryPolicy | undefined
  readonly confirmCancellation?: boolean | undefined
  readonly verifyResponses?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TIME_ZONE = "Asia/Hong_Kong"

const invalid = (path: string, message: string) => ConfigError.InvalidData([path], message)

const decodeField = <A, I>(schema: Schema.Schema<A, I>, value: unknown, path: string) =>
  Either.mapLeft(Schema.decodeUnknownEither(schema)(value), (e) => invalid(path, formatIssues(issuesOf(e))))

/**
 * Validates options into the service. A bad setting is a `ConfigError` naming it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    const appCode = yield* decodeField(AppCode, options.appCode, "appCode")
    const clientKey = typeof options.clientKey === "string" ? Redacted.make(options.clientKey) : options.clientKey
    if (Redacted.value(clientKey).length === 0) {
      return yield* Effect.fail(invalid("clientKey", "the client key must not be empty"))
    }
    const mchid = options.mchid === undefined || options.mchid === ""
      ? Option.none()
      : Option.some(yield* decodeField(MchId, options.mchid, "mchid"))
    const zoneName = options.timeZone ?? DEFAULT_TIME_ZONE
    const timeZone = yield* Option.match(DateTime.zoneMakeNamed(zoneName), {
      onNone: () => Effect.fail(invalid("timeZone", `unknown time zone ${JSON.stringify(zoneName)}`)),
      onSome: Effect.succeed
    })
    const routing = yield* Either.mapLeft(
      CancelRouting.make(options.routing ?? CancelRouting.defaultRouting),
      (message) => invalid("routing", message)
    )
    const signType = options.signType ?? "MD5"
    if (signType !== "MD5" && signType !== "SHA256") {
      return yield* Effect.fail(invalid("signType", `expected MD5 or SHA256, got ${JSON.stringify(signType)}`))
    }
    return {
      appCode,
      clientKey,
      mchid,
      signType,
      timeZone,
      routing,
      poll: options.poll ?? PollPolicy.defaultPolicy,
      retry: options.retry ?? RetryPolicy.defaultPolicy,
      confirmCancellation: options.confirmCancellation ?? Decisions.confirmCancellationByDefault,
      verifyResponses: options.verifyResponses ?? false
    } satisfies Service
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<QFPayConfig, ConfigError.ConfigError> =>
  Layer.effect(QFPayConfig, make(options))

/**
 * Reads the options from `Config` (each field may be a `Config`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Config.Wrap<Options>): Layer.Layer<QFPayConfig, ConfigError.ConfigError> =>
  Layer.effect(QFPayConfig, Effect.flatMap(Config.unwrap(config), make))

// Every check runs on `Config.string()` and the name is nested last: the provider then puts the
// variable's name on the error's path, whatever the check (a check on `Config.string(name)`
// chained twice loses it). Messages are phrases that follow the name: "QFPAY_X must be …".
const variable = <A>(name: string, check: (text: string) => Either.Either<A, string>): Config.Config<A> =>
  Config.string().pipe(
    Config.mapOrFail((text) => Either.mapLeft(check(text), (message) => ConfigError.InvalidData([], message))),
    Config.nested(name)
  )

const atMost = (max: number, what: string) => (text: string): Either.Either<string, string> => {
  const t = text.trim()
  return t === ""
    ? Either.left(`is empty; set it to the ${what} QFPay issued`)
    : t.length > max
    ? Either.left(`must be at most ${max} characters, got ${t.length}`)
    : Either.right(t)
}

/**
 * `QFPAY_CLIENT_KEY`, redacted. An empty key fails saying so, never showing the value.
 *
 * @since 0.2.0
 * @category config
 */
export const clientKeyFromEnv: Config.Config<Redacted.Redacted<string>> = Config.redacted("QFPAY_CLIENT_KEY").pipe(
  // Checked outside `Config.redacted`, which would replace the message with "<redacted>".
  Config.mapOrFail((key) =>
    Redacted.value(key).trim() === ""
      ? Either.left(
        ConfigError.InvalidData(["QFPAY_CLIENT_KEY"], "is empty; set it to the client key QFPay issued")
      )
      : Either.right(key)
  )
)

/**
 * The credentials from the environment: `QFPAY_APP_CODE`, `QFPAY_CLIENT_KEY` (redacted),
 * `QFPAY_MCHID` (optional), `QFPAY_SIGN_TYPE` (`MD5` | `SHA256`, default MD5) and
 * `QFPAY_TIME_ZONE` (default Asia/Hong_Kong). A missing or bad one fails with a `ConfigError`
 * whose path is the variable and whose message says what is allowed ("must be MD5 or SHA256,
 * got \"SHA1\""); the client key's value is never in it.
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<Options> = Config.all({
  appCode: variable("QFPAY_APP_CODE", atMost(64, "app code")),
  clientKey: clientKeyFromEnv,
  // Empty counts as unset: only agents have a merchant id, and env files often leave it blank.
  mchid: Config.option(
    variable("QFPAY_MCHID", (text) => text.trim() === "" ? Either.right(undefined) : atMost(16, "merchant id")(text))
  ).pipe(Config.map(Option.getOrUndefined)),
  signType: variable("QFPAY_SIGN_TYPE", (text): Either.Either<SignType, string> => {
    const t = text.trim()
    return t === "MD5" || t === "SHA256"
      ? Either.right(t)
      : Either.left(`must be MD5 or SHA256, got ${JSON.stringify(text)}`)
  }).pipe(Config.withDefault("MD5" as const)),
  timeZone: variable(
    "QFPAY_TIME_ZONE",
    (text) =>
      Option.isSome(DateTime.zoneMakeNamed(text.trim()))
        ? Either.right(text.trim())
        : Either.left(`must be an IANA time zone such as Asia/Hong_Kong, got ${JSON.stringify(text)}`)
  ).pipe(Config.withDefault(DEFAULT_TIME_ZONE))
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv: Layer.Layer<QFPayConfig, ConfigError.ConfigError> = layerConfig(fromEnv)

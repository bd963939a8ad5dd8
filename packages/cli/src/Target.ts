/**
 * Where the CLI sends requests: an embedded sandbox (`--sandbox`), or the target and
 * credentials of the environment (`QFPAY_*`), with `--env` and `--timeout` taking precedence.
 *
 * @since 0.1.0
 */
import { PollPolicy, type QFPayConfig, RetryPolicy, type Transport } from "@effect-qfpay/core"
import { Environment, HttpTransport } from "@effect-qfpay/http"
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * The flags every subcommand takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Common {
  readonly env: Option.Option<string>
  readonly sandbox: boolean
  readonly json: boolean
  readonly pollInterval: Option.Option<string>
  readonly pollDeadline: Option.Option<string>
  readonly timeout: Option.Option<string>
}

/**
 * A flag that was given a bad value: nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class FlagError {
  readonly _tag = "FlagError"
  constructor(readonly message: string) {}
}

const seconds = (
  flag: string,
  value: Option.Option<string>
): Either.Either<Option.Option<Duration.Duration>, FlagError> =>
  Option.match(value, {
    onNone: () => Either.right(Option.none()),
    onSome: (text) => {
      const n = Number(text.trim())
      return /^\d+(\.\d+)?$/.test(text.trim()) && n > 0 && n <= 86_400
        ? Either.right(Option.some(Duration.millis(Math.round(n * 1000))))
        : Either.left(
          new FlagError(
            `--${flag}: expected a number of seconds above 0 (decimals allowed), got ${JSON.stringify(text)}`
          )
        )
    }
  })

/**
 * A person is waiting at a terminal: give up on transient failures after about two seconds
 * rather than fifteen. A refund whose outcome is then unknown is reconciled with `qfpay poll
 * --reconcile`, never resent blind.
 *
 * @since 0.1.0
 * @category constants
 */
export const interactiveRetry: RetryPolicy.RetryPolicy = RetryPolicy.make({
  base: "250 millis",
  maxDelay: "2 seconds",
  retries: 3
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly poll: PollPolicy.PollPolicy
  readonly timeout: Option.Option<Duration.Duration>
}

/**
 * Reads the timing flags. `--poll-interval` is the first wait and the base of the backoff.
 *
 * @since 0.1.0
 * @category constructors
 */
export const settings = (
  common: Common,
  defaults: { readonly pollInterval?: number } = {}
): Either.Either<Settings, FlagError> =>
  Either.gen(function*() {
    const interval = yield* seconds("poll-interval", common.pollInterval)
    const deadline = yield* seconds("poll-deadline", common.pollDeadline)
    const timeout = yield* seconds("timeout", common.timeout)
    const base = Option.getOrUndefined(interval) ??
      (defaults.pollInterval === undefined ? undefined : Duration.seconds(defaults.pollInterval))
    return {
      poll: PollPolicy.make({
        ...(base === undefined ? {} : { firstDelay: base, interval: base }),
        ...(Option.isSome(deadline) ? { deadline: deadline.value } : {})
      }),
      timeout
    }
  })

/**
 * The command line a user runs again to reach the same target.
 *
 * @since 0.1.0
 * @category formatting
 */
export const targetFlags = (common: Common): string =>
  Option.match(common.env, { onNone: () => "", onSome: (env) => ` --env ${JSON.stringify(env)}` })

/**
 * An embedded sandbox server on loopback with the demo credentials, and the real HTTP layer
 * pointed at it; the sandbox and its simulator are provided too.
 *
 * @since 0.1.0
 * @category layers
 */
export const sandboxLayer = (options: {
  readonly poll: PollPolicy.PollPolicy
  readonly timeout?: Duration.Duration | undefined
  readonly announce: boolean
}) =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const sandbox = yield* SandboxServer.SandboxServer
      if (options.announce) {
        yield* Console.error(
          `Using an embedded sandbox at ${sandbox.url} (demo credentials; it stops when this command ends).`
        )
      }
      return HttpTransport.layer({
        environment: sandbox.url,
        appCode: sandbox.simulator.credential.appCode,
        clientKey: sandbox.simulator.credential.clientKey,
        poll: options.poll,
        retry: interactiveRetry,
        ...(options.timeout === undefined ? {} : { timeout: options.timeout })
      })
    })
  ).pipe(
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provideMerge(SandboxServer.layer({ simulator: { credentials: [Simulator.demoCredential] } }))
  )

/**
 * The layer for the programs, and a note on where it points.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  common: Common,
  settings: Settings
): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError | FlagError | Error> => {
  const timeout = Option.getOrUndefined(settings.timeout)
  if (common.sandbox) return sandboxLayer({ poll: settings.poll, timeout, announce: true })
  const env = Option.map(
    common.env,
    (value) => Either.mapLeft(Environment.resolve(value), (m) => new FlagError(`--env: ${m}`))
  )
  if (Option.isSome(env) && Either.isLeft(env.value)) return Layer.fail(env.value.left)
  // Flags win over the environment's variables of the same meaning.
  const overrides = new Map<string, string>()
  if (Option.isSome(common.env)) overrides.set("QFPAY_ENV", common.env.value)
  const provider = ConfigProvider.fromMap(overrides).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
  return HttpTransport.layerConfig(HttpTransport.fromEnv, {
    poll: settings.poll,
    retry: interactiveRetry,
    ...(timeout === undefined ? {} : { timeout })
  }).pipe(
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provide(Layer.setConfigProvider(provider))
  )
}

/**
 * A readable sentence for a configuration error: which variable, what is wrong.
 *
 * @since 0.1.0
 * @category formatting
 */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const parts: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "MissingData":
        parts.push(`${e.path.join(".")} is not set`)
        return
      case "InvalidData":
      case "SourceUnavailable":
      case "Unsupported":
        parts.push(`${e.path.join(".")}: ${e.message}`)
        return
    }
  }
  walk(error)
  return `configuration: ${[...new Set(parts)].join("; ")} (set the QFPAY_* variables, pass --env, or use --sandbox)`
}

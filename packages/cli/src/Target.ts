/**
 * Where the CLI sends requests: the target and credentials of the environment (`QFPAY_*`), with
 * `--env` and `--timeout` taking precedence; and the embedded sandbox of `qfpay demo`.
 *
 * @since 0.1.0
 */
import { PollPolicy, type QFPayConfig, RetryPolicy, type Transport } from "@effect-qfpay/core"
import { Environment, HttpTransport, NodeTransport } from "@effect-qfpay/http"
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Flags from "./Flags.js"

/**
 * The flags that say where requests go and how long to wait: `--env`, `--timeout`, and for
 * commands that poll, `--poll-interval` and `--poll-deadline`.
 *
 * @since 0.2.0
 * @category models
 */
export interface TargetFlags {
  readonly env: Option.Option<string>
  readonly timeout: Option.Option<string>
  readonly pollInterval?: Option.Option<string> | undefined
  readonly pollDeadline?: Option.Option<string> | undefined
}

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
  retries: 3,
  // A server asking for a longer pause than this is answered at once (RateLimited, with when).
  maxRetryAfter: "10 seconds"
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly poll: PollPolicy.PollPolicy
  readonly timeout: Option.Option<Duration.Duration>
  /** The base URL `--env` names, checked. */
  readonly environment: Option.Option<string>
}

/**
 * Reads the timing flags and `--env`. `--poll-interval` is the first wait and the base of the
 * backoff.
 *
 * @since 0.1.0
 * @category constructors
 */
export const settings = (
  flags: TargetFlags,
  defaults: { readonly pollInterval?: number } = {}
): Either.Either<Settings, Flags.FlagError> =>
  Either.gen(function*() {
    const interval = yield* Flags.seconds(Flags.pollInterval, flags.pollInterval ?? Option.none())
    const deadline = yield* Flags.seconds(Flags.pollDeadline, flags.pollDeadline ?? Option.none())
    const timeout = yield* Flags.seconds(Flags.timeout, flags.timeout)
    const environment = yield* Option.match(flags.env, {
      onNone: () => Either.right(Option.none<string>()),
      onSome: (value) =>
        Either.match(Environment.resolve(value), {
          onLeft: (message) => Either.left(new Flags.FlagError({ message: `--env ${message}` })),
          onRight: (url) => Either.right(Option.some(url))
        })
    })
    const base = Option.getOrUndefined(interval) ??
      (defaults.pollInterval === undefined ? undefined : Duration.seconds(defaults.pollInterval))
    return {
      poll: PollPolicy.make({
        ...(base === undefined ? {} : { firstDelay: base, interval: base }),
        ...(Option.isSome(deadline) ? { deadline: deadline.value } : {})
      }),
      timeout,
      environment
    }
  })

/**
 * The command line a user runs again to reach the same target.
 *
 * @since 0.1.0
 * @category formatting
 */
export const targetFlags = (flags: TargetFlags): string =>
  Option.match(flags.env, { onNone: () => "", onSome: (env) => ` --env ${JSON.stringify(env)}` })

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
 * The layer for the programs: credentials from `QFPAY_*`, the target from `--env` or
 * `QFPAY_ENV`, over HTTP.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  settings: Settings
): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError> => {
  const timeout = Option.getOrUndefined(settings.timeout)
  // The lean transport over undici: what a Node command line needs, at the least cost.
  const transport = NodeTransport.layerConfig(HttpTransport.fromEnv, {
    poll: settings.poll,
    retry: interactiveRetry,
    ...(timeout === undefined ? {} : { timeout })
  })
  if (Option.isNone(settings.environment)) return transport
  // `--env` wins over QFPAY_ENV; everything else comes from the provider in place (the
  // process's environment, or a test's).
  const overrides = new Map([["QFPAY_ENV", settings.environment.value]])
  return Layer.unwrapEffect(
    Effect.configProviderWith((current) =>
      Effect.succeed(
        Layer.provide(
          transport,
          Layer.setConfigProvider(ConfigProvider.fromMap(overrides).pipe(ConfigProvider.orElse(() => current)))
        )
      )
    )
  )
}

/**
 * What `qfpay` says after a configuration error, to say where its settings come from.
 *
 * @since 0.2.0
 * @category formatting
 */
export const configurationHint =
  "qfpay reads its credentials and target from QFPAY_APP_CODE, QFPAY_CLIENT_KEY and QFPAY_ENV (qfpay --help lists every variable)"

// A check's message is a phrase to follow the variable's name ("must be …", "is empty"); other
// messages (Effect's own) follow a colon.
const phrase = /^(must|is|are|should|has)\b/

/**
 * A readable sentence for a configuration error: which variable, what is wrong, what is allowed,
 * then the hint.
 *
 * @since 0.1.0
 * @category formatting
 */
export const describeConfigError = (error: ConfigError.ConfigError, hint: string = configurationHint): string => {
  const parts: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
        walk(e.left)
        walk(e.right)
        return
      case "Or":
        // One source lacking the variable while another has a bad value: the bad value is the
        // problem, not that it "is not set".
        if (ConfigError.isMissingDataOnly(e.left) && !ConfigError.isMissingDataOnly(e.right)) return walk(e.right)
        if (ConfigError.isMissingDataOnly(e.right) && !ConfigError.isMissingDataOnly(e.left)) return walk(e.left)
        walk(e.left)
        walk(e.right)
        return
      case "MissingData":
        parts.push(`${e.path.join(".")} is not set`)
        return
      case "InvalidData":
      case "SourceUnavailable":
      case "Unsupported": {
        const name = e.path.join(".")
        parts.push(name === "" ? e.message : phrase.test(e.message) ? `${name} ${e.message}` : `${name}: ${e.message}`)
        return
      }
    }
  }
  walk(error)
  return `${[...new Set(parts)].join("; ")}. ${hint}`
}

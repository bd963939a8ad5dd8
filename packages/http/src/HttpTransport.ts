/**
 * The real transport: core's `Transport` over `@effect/platform`'s `HttpClient`, in QFPay's
 * wire format (PROTOCOL.md §1): POST with a form-urlencoded body, GET with the query string for
 * close, `X-QF-APPCODE` / `X-QF-SIGN` / `X-QF-SIGNTYPE` headers. You provide the `HttpClient`
 * (`NodeHttpClient.layerUndici`, `FetchHttpClient.layer`, …), with any middleware of your own.
 * On Node without such middleware, `NodeTransport` does the same at a fraction of the cost.
 *
 * It never retries: the programs decide, with the same identifiers. It reports failures as
 * core's `TransportError`, saying whether the request may have reached QFPay: a connection
 * that never opened did not; a timeout or a reset after the request was written may have.
 *
 * @since 0.1.0
 */
import { QFPayConfig, QFPayError, Transport } from "@effect-qfpay/core"
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Environment from "./Environment.js"
import * as Internal from "./internal/transport.js"
import * as RateLimit from "./RateLimit.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `production`, `test`, `sandbox`, or a base URL. */
  readonly environment: Environment.Name | string
  /** Per-request timeout, connecting and reading included. Default 15 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Client-side limits; `false` turns them off. Default: QFPay's documented 100/s and 400/min. */
  readonly rateLimit?: ReadonlyArray<RateLimit.Window> | false | undefined
}

/**
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Internal.DEFAULT_TIMEOUT

/**
 * The header names that carry signatures: redacted in logs and traces.
 *
 * @since 0.1.0
 * @category constants
 */
export const redactedHeaders: ReadonlyArray<string> = Internal.redactedHeaders

/**
 * Maps a client error onto the transport contract.
 *
 * @since 0.1.0
 * @category errors
 */
export const toTransportError = (
  endpoint: string,
  error: HttpClientError.HttpClientError
): QFPayError.TransportError => {
  if (error._tag === "RequestError") {
    if (error.reason === "InvalidUrl" || error.reason === "Encode") {
      return new QFPayError.TransportError({
        endpoint,
        reason: "Connect",
        ambiguous: false,
        detail: error.message,
        cause: error
      })
    }
    // A client behind `HttpClient` cannot say whether it had written the request: the error
    // codes decide.
    return Internal.failure(endpoint, error.cause, { written: true, error })
  }
  // The answer started and broke off: the request was sent.
  return new QFPayError.TransportError({
    endpoint,
    reason: "Disconnected",
    ambiguous: true,
    detail: Internal.describe(error.cause ?? error.message),
    cause: error
  })
}

/**
 * One deadline for one exchange, without `Effect.timeoutFail`: that races the exchange against
 * an Effect sleep in two forked fibers, which `pnpm bench` measures at tens of microseconds of
 * CPU per request. Here the exchange runs in one child fiber and a plain timer interrupts it;
 * the platform client aborts its request when its fiber is interrupted. The child is
 * interruptible whatever the caller's region, so that the deadline always holds.
 */
const withDeadline = <A>(
  exchange: Effect.Effect<A, QFPayError.TransportError>,
  millis: number | undefined,
  onTimeout: () => QFPayError.TransportError
): Effect.Effect<A, QFPayError.TransportError> =>
  millis === undefined ? exchange : Effect.flatMap(
    // `exit`: the child never fails, so the runtime does not report its failures as unhandled.
    Effect.fork(Effect.exit(Effect.interruptible(exchange))),
    (child) =>
      // One parameter: `Effect.async` then makes no AbortController of its own.
      Effect.async<A, QFPayError.TransportError>((resume) => {
        const timer = setTimeout(
          () => resume(Effect.zipRight(Fiber.interrupt(child), Effect.fail(onTimeout()))),
          millis
        )
        child.addObserver((exit) => {
          clearTimeout(timer)
          // A failed child was interrupted from outside: pass that on.
          resume(Exit.isSuccess(exit) ? exit.value : Effect.failCause(exit.cause))
        })
        return Effect.suspend(() => {
          clearTimeout(timer)
          return Fiber.interrupt(child)
        })
      })
  )

/**
 * A transport to `baseUrl` over the given client. The deadline is a timer on the wall clock,
 * not Effect's `Clock`: it bounds real I/O, which `TestClock` does not move.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (
  client: HttpClient.HttpClient,
  options: {
    readonly baseUrl: string
    readonly timeout?: Duration.DurationInput | undefined
    readonly rateLimiter?: RateLimit.RateLimiter | undefined
  }
): Transport.Service => {
  const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
  const millis = Internal.timerMillis(timeout)
  const limit = options.rateLimiter ?? RateLimit.unlimited
  return Transport.make((request) => {
    const wire = Internal.toWire(request)
    const operation = request.endpoint.operation
    const httpRequest = wire.body === undefined
      ? HttpClientRequest.get(options.baseUrl + wire.path, { headers: wire.headers })
      : HttpClientRequest.post(options.baseUrl + wire.path, {
        headers: wire.headers,
        body: HttpBody.text(wire.body, Internal.FORM)
      })
    const exchange = client.execute(httpRequest).pipe(
      Effect.flatMap((response) =>
        Effect.map(response.text, (text) => ({
          status: response.status,
          headers: response.headers as Readonly<Record<string, string>>,
          body: Internal.withoutBom(text)
        }))
      ),
      Effect.mapError((error) => toTransportError(operation, error)),
      Effect.scoped
    )
    return limit(
      withDeadline(exchange, millis, () => Internal.timedOut(operation, timeout, { written: true })).pipe(
        Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, ...redactedHeaders])
      )
    )
  })
}

/**
 * The transport as a layer, from options. The rate limiter is shared by everything that uses
 * this layer: submits and polling alike.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTransport = (
  options: Options
): Layer.Layer<Transport.Transport, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    Transport.Transport,
    Effect.gen(function*() {
      const baseUrl = yield* Internal.baseUrlOf(options.environment)
      const client = yield* HttpClient.HttpClient
      return fromClient(client, {
        baseUrl,
        timeout: options.timeout,
        rateLimiter: Internal.rateLimiterOf(options.rateLimit)
      })
    })
  )

/**
 * The transport and the configuration: all a program needs, given an `HttpClient`.
 *
 * ```ts
 * const QFPayLive = HttpTransport.layer({
 *   environment: "test",
 *   appCode: "…",
 *   clientKey: Redacted.make("…")
 * }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options & QFPayConfig.Options
): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.merge(layerTransport(options), QFPayConfig.layer(options))

/**
 * The environment variables: `QFPAY_APP_CODE`, `QFPAY_CLIENT_KEY` (redacted), `QFPAY_MCHID`
 * (optional), `QFPAY_SIGN_TYPE` (`MD5` | `SHA256`, default MD5), `QFPAY_ENV` (`production` |
 * `test` | `sandbox` | a base URL), and `QFPAY_TIMEOUT` (seconds, default 15). A missing or
 * malformed one is a `ConfigError` that names it.
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<Options & QFPayConfig.Options> = Config.all([
  QFPayConfig.fromEnv,
  Environment.config("QFPAY_ENV"),
  // Nested last, so that a bad value's error carries the variable's name.
  Config.option(
    Config.string().pipe(
      Config.mapOrFail((text) => {
        const n = Number(text.trim())
        return text.trim() !== "" && Number.isFinite(n) && n > 0
          ? Either.right(n)
          : Either.left(ConfigError.InvalidData([], `must be a number of seconds above 0, got ${JSON.stringify(text)}`))
      }),
      Config.nested("QFPAY_TIMEOUT")
    )
  )
]).pipe(
  Config.map(([credentials, environment, timeout]) => ({
    ...credentials,
    environment,
    ...(Option.isSome(timeout) ? { timeout: Duration.millis(Math.round(timeout.value * 1000)) } : {})
  }))
)

/**
 * `layer` from `Config` (each option may be a `Config`), by default from the environment
 * variables of {@link fromEnv}. Extra options (poll and retry policies, routing, rate limits)
 * are merged over what the config gives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options & QFPayConfig.Options> = fromEnv,
  overrides: Partial<Options & QFPayConfig.Options> = {}
): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(config, (options) => layer({ ...options, ...overrides })))

/**
 * The real transport: core's `Transport` over `@effect/platform`'s `HttpClient`, in QFPay's
 * wire format (PROTOCOL.md §1): POST with a form-urlencoded body, GET with the query string for
 * close, `X-QF-APPCODE` / `X-QF-SIGN` / `X-QF-SIGNTYPE` headers. You provide the `HttpClient`
 * (`NodeHttpClient.layerUndici`, `FetchHttpClient.layer`, …).
 *
 * It never retries: the programs decide, with the same identifiers. It reports failures as
 * core's `TransportError`, saying whether the request may have reached QFPay: a connection
 * that never opened did not; a timeout or a reset after the request was written may have.
 *
 * @since 0.1.0
 */
import { QFPayConfig, QFPayError, Transport } from "@effect-qfpay/core"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Environment from "./Environment.js"
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
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(15)

/**
 * The header names that carry signatures: redacted in logs and traces.
 *
 * @since 0.1.0
 * @category constants
 */
export const redactedHeaders: ReadonlyArray<string> = ["x-qf-sign"]

// Error codes meaning the connection never opened: the request surely did not reach QFPay.
const neverSent = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ERR_INVALID_URL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN"
])

const codesOf = (cause: unknown): ReadonlyArray<string> => {
  const codes: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { readonly code?: unknown }).code
    if (typeof code === "string") codes.push(code)
    const errors = (current as { readonly errors?: unknown }).errors
    if (Array.isArray(errors)) { for (const e of errors) codes.push(...codesOf(e)) }
    current = (current as { readonly cause?: unknown }).cause
  }
  return codes
}

const describe = (cause: unknown): string => {
  const codes = codesOf(cause)
  const message = cause instanceof Error ? cause.message : String(cause)
  return codes.length > 0 ? `${message} (${codes.join(", ")})` : message
}

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
    const codes = codesOf(error.cause)
    const sent = !codes.some((code) => neverSent.has(code))
    return new QFPayError.TransportError({
      endpoint,
      reason: sent ? "Disconnected" : "Connect",
      ambiguous: sent,
      detail: describe(error.cause),
      cause: error
    })
  }
  // The answer started and broke off: the request was sent.
  return new QFPayError.TransportError({
    endpoint,
    reason: "Disconnected",
    ambiguous: true,
    detail: describe(error.cause ?? error.message),
    cause: error
  })
}

/**
 * A transport to `baseUrl` over the given client.
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
  const limit = options.rateLimiter ?? RateLimit.unlimited
  return Transport.make((request) => {
    const url = options.baseUrl + request.endpoint.path
    const base = request.endpoint.method === "GET"
      ? HttpClientRequest.get(url).pipe(HttpClientRequest.setUrlParams(request.params))
      : HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUrlParams(request.params))
    const httpRequest = base.pipe(
      HttpClientRequest.setHeaders(request.headers),
      HttpClientRequest.acceptJson
    )
    const operation = request.endpoint.operation
    const exchange = client.execute(httpRequest).pipe(
      Effect.flatMap((response) =>
        Effect.map(response.text, (body) => ({
          status: response.status,
          headers: response.headers as Readonly<Record<string, string>>,
          body
        }))
      ),
      Effect.mapError((error) => toTransportError(operation, error)),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new QFPayError.TransportError({
            endpoint: operation,
            reason: "Timeout",
            // The request may well have been written: its outcome is unknown.
            ambiguous: true,
            detail: `no answer within ${Duration.format(timeout)}`
          })
      }),
      Effect.scoped,
      Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, ...redactedHeaders])
    )
    return limit(exchange)
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
      const baseUrl = yield* Either.mapLeft(
        Environment.resolve(options.environment),
        (message) => ConfigError.InvalidData(["environment"], message)
      )
      const client = yield* HttpClient.HttpClient
      return fromClient(client, {
        baseUrl,
        timeout: options.timeout,
        rateLimiter: options.rateLimit === false ? RateLimit.unlimited : RateLimit.make(options.rateLimit)
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

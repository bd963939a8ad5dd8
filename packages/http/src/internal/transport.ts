/**
 * What the transports of this package share, so that it is written once: QFPay's wire format
 * (PROTOCOL.md §1: a form body for POST, the query string for the GET close, `Accept: JSON`),
 * which headers are redacted, how a network failure maps onto core's `TransportError`, and how
 * options become a base URL, a deadline and a rate limiter. Both transports then send the same
 * bytes and say the same thing about the same failure.
 *
 * @internal
 */
import { QFPayError, type Transport } from "@effect-qfpay/core"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Environment from "../Environment.js"
import * as RateLimit from "../RateLimit.js"

/**
 * Per-request deadline by default, connecting and reading included.
 *
 * @internal
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(15)

/**
 * The base URL of an `environment` option, or a `ConfigError` naming it.
 *
 * @internal
 */
export const baseUrlOf = (environment: string): Either.Either<string, ConfigError.ConfigError> =>
  Either.mapLeft(Environment.resolve(environment), (message) => ConfigError.InvalidData(["environment"], message))

/**
 * The limiter of a `rateLimit` option: QFPay's documented limits by default, none for `false`.
 *
 * @internal
 */
export const rateLimiterOf = (
  rateLimit: ReadonlyArray<RateLimit.Window> | false | undefined
): RateLimit.RateLimiter => rateLimit === false ? RateLimit.unlimited : RateLimit.make(rateLimit)

/**
 * The header names that carry signatures (lower case).
 *
 * @internal
 */
export const redactedHeaders: ReadonlyArray<string> = ["x-qf-sign"]

/**
 * Whether a header, by its lower-case name, carries a signature.
 *
 * @internal
 */
export const isRedacted = (lowerCaseName: string): boolean => redactedHeaders.includes(lowerCaseName)

/** @internal */
export const FORM = "application/x-www-form-urlencoded"

/**
 * One request as it goes on the wire.
 *
 * @internal
 */
export interface Wire {
  readonly method: "GET" | "POST"
  /** The endpoint's path, with the query string for GET. */
  readonly path: string
  /** The form body for POST; none for GET. */
  readonly body: string | undefined
  readonly headers: Readonly<Record<string, string>>
}

/**
 * `application/x-www-form-urlencoded`, as browsers and `@effect/platform` encode it (spaces as
 * `+`): the server decodes it back to exactly the signed values.
 *
 * @internal
 */
export const encode = (params: Readonly<Record<string, string>>): string => new URLSearchParams(params).toString()

/** @internal */
export const toWire = (request: Transport.TransportRequest): Wire => {
  const path = request.endpoint.path
  const encoded = encode(request.params)
  if (request.endpoint.method === "GET") {
    return {
      method: "GET",
      path: encoded === "" ? path : `${path}?${encoded}`,
      body: undefined,
      headers: { ...request.headers, accept: "application/json" }
    }
  }
  return {
    method: "POST",
    path,
    body: encoded,
    headers: { ...request.headers, accept: "application/json", "content-type": FORM }
  }
}

/**
 * An answer's text without a leading byte-order mark, which is not part of it: undici's and
 * fetch's `text()` drop it, Node's `http` does not, and `JSON.parse` rejects it.
 *
 * @internal
 */
export const withoutBom = (text: string): string => text.charCodeAt(0) === 0xfeff ? text.slice(1) : text

// Error codes meaning the connection never opened, or the request was refused before any byte
// was written: the request surely did not reach QFPay.
const neverSent = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ERR_INVALID_URL",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_INVALID_ARG",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN"
])

// The codes along a cause chain (`cause`, and `errors` of an AggregateError such as Node's
// happy-eyeballs connect failure).
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

/**
 * A cause as one line: its message and the codes along its chain.
 *
 * @internal
 */
export const describe = (cause: unknown): string => {
  const codes = codesOf(cause)
  const message = cause instanceof Error ? cause.message : String(cause)
  return codes.length > 0 ? `${message} (${codes.join(", ")})` : message
}

/**
 * A network failure as core's `TransportError`. `written: false` when the transport knows that
 * no byte of the request left (undici had not handed it a socket yet); otherwise the codes
 * decide, and anything not known to precede sending may have reached QFPay.
 *
 * @internal
 */
export const failure = (
  endpoint: string,
  cause: unknown,
  options: { readonly written: boolean; readonly error?: unknown }
): QFPayError.TransportError => {
  const sent = options.written && !codesOf(cause).some((code) => neverSent.has(code))
  return new QFPayError.TransportError({
    endpoint,
    reason: sent ? "Disconnected" : "Connect",
    ambiguous: sent,
    detail: describe(cause),
    cause: options.error ?? cause
  })
}

/**
 * The deadline passed. Once written, the request may well have reached QFPay: its outcome is
 * unknown. A request still waiting for a connection was not sent.
 *
 * @internal
 */
export const timedOut = (
  endpoint: string,
  timeout: Duration.Duration,
  options: { readonly written: boolean }
): QFPayError.TransportError =>
  new QFPayError.TransportError({
    endpoint,
    reason: "Timeout",
    ambiguous: options.written,
    detail: options.written
      ? `no answer within ${Duration.format(timeout)}`
      : `not sent within ${Duration.format(timeout)}: no connection was free`
  })

// setTimeout fires at once for delays above 2^31 - 1 ms: longer deadlines are held to that.
const MAX_TIMER = 2_147_483_647

/**
 * A deadline in timer milliseconds; none for an infinite one.
 *
 * @internal
 */
export const timerMillis = (timeout: Duration.Duration): number | undefined => {
  const millis = Duration.toMillis(timeout)
  return Number.isFinite(millis) ? Math.min(Math.max(0, millis), MAX_TIMER) : undefined
}

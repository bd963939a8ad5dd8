/**
 * Sign, send and read one request. No retries, no polling: those are decisions the programs
 * make with what this returns.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Endpoint } from "../Endpoint.js"
import { QFPayConfig } from "../QFPayConfig.js"
import type { Service as ConfigService } from "../QFPayConfig.js"
import { RateLimited, type TransportError, UnexpectedResponse } from "../QFPayError.js"
import type { Envelope } from "../Response.js"
import * as ResponseCode from "../ResponseCode.js"
import * as Signature from "../Signature.js"
import { Transport, type TransportResponse } from "../Transport.js"
import * as Log from "./log.js"

/** @internal */
export interface Sent {
  readonly envelope: Envelope
  readonly json: unknown
  readonly response: TransportResponse
}

/** @internal */
export type SendError = TransportError | RateLimited | UnexpectedResponse | Signature.SignatureMismatch

/** @internal */
export const headersFor = (config: ConfigService, params: Signature.Params): Record<string, string> => {
  const headers: Record<string, string> = {
    "X-QF-APPCODE": config.appCode,
    "X-QF-SIGN": Signature.sign(params, config.clientKey, config.signType)
  }
  // MD5 is the default and needs no header; servers that predate SHA-256 never see one.
  if (config.signType === "SHA256") headers["X-QF-SIGNTYPE"] = "SHA256"
  return headers
}

const EXCERPT = 200

/** @internal */
export const excerpt = (body: string): string => (body.length > EXCERPT ? `${body.slice(0, EXCERPT)}…` : body)

/** @internal */
export const parseRetryAfter = (value: string | undefined, now: number): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Option.some(Duration.millis(Math.round(Number(text) * 1000)))
  const at = Date.parse(text)
  return Number.isNaN(at) ? Option.none() : Option.some(Duration.millis(Math.max(0, at - now)))
}

const text = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" ? String(u) : undefined

/**
 * The code and messages of an answer, read directly: every answer is classified by them, and
 * this is the hottest path of the library. `Response.Envelope` is the same thing as a schema.
 *
 * @internal
 */
export const envelopeOf = (json: Record<string, unknown>): Envelope | undefined => {
  const raw = json.respcd
  if (typeof raw !== "string" && typeof raw !== "number") return undefined
  const respcd = ResponseCode.normalize(raw)
  if (respcd === "") return undefined
  const resperr = text(json.resperr)
  const respmsg = text(json.respmsg)
  return {
    respcd,
    ...(resperr === undefined ? {} : { resperr }),
    ...(respmsg === undefined ? {} : { respmsg })
  }
}

/**
 * Reads an HTTP answer: 429 is a rate limit, 5xx and broken bodies are unexpected (and
 * ambiguous for operations that change state), a body without `respcd` is unexpected.
 *
 * @internal
 */
export const read = (
  endpoint: Endpoint,
  response: TransportResponse,
  now: number
): Either.Either<Omit<Sent, "response">, RateLimited | UnexpectedResponse> => {
  const fail = (reason: string, ambiguous: boolean) =>
    Either.left(
      new UnexpectedResponse({
        endpoint: endpoint.operation,
        status: response.status,
        reason,
        excerpt: excerpt(response.body),
        ambiguous
      })
    )
  if (response.status === 429) {
    const retryAfter = parseRetryAfter(response.headers["retry-after"], now)
    return Either.left(
      new RateLimited({
        endpoint: endpoint.operation,
        ...(Option.isSome(retryAfter) ? { retryAfter: retryAfter.value } : {})
      })
    )
  }
  // A 5xx may come after the server applied the request (a gateway timing out, say).
  if (response.status >= 500) return fail("server error", endpoint.mutating)
  if (response.status < 200 || response.status >= 300) return fail("refused by the server", false)
  let json: unknown
  try {
    json = JSON.parse(response.body)
  } catch {
    const body = response.body.trim()
    return fail(
      body === "" ? "empty body" : body.startsWith("{") || body.startsWith("[") ? "truncated JSON" : "not JSON",
      endpoint.mutating
    )
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("not a JSON object", endpoint.mutating)
  }
  const envelope = envelopeOf(json as Record<string, unknown>)
  if (envelope === undefined) return fail("no response code (respcd)", endpoint.mutating)
  return Either.right({ envelope, json })
}

/**
 * Signs the parameters, sends them, and reads the answer. No span of its own: the programs
 * have theirs, and the HTTP layer's client adds one per request.
 *
 * @internal
 */
export const send = (
  endpoint: Endpoint,
  params: Readonly<Record<string, string>>
): Effect.Effect<Sent, SendError, QFPayConfig | Transport> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const transport = yield* Transport
    const response = yield* transport.send({ endpoint, params, headers: headersFor(config, params) })
    // The time matters only to turn a 429's Retry-After date into a wait.
    const read_ = read(endpoint, response, response.status === 429 ? yield* Clock.currentTimeMillis : 0)
    if (Either.isLeft(read_)) return yield* Effect.fail(read_.left)
    const signature = response.headers["x-qf-sign"]
    if (
      config.verifyResponses && signature !== undefined &&
      !Signature.verifyNotification(response.body, signature, Redacted.value(config.clientKey), config.signType)
    ) {
      return yield* Effect.fail(new Signature.SignatureMismatch({ what: "response" }))
    }
    yield* Log.debug("QFPay answered", { endpoint: endpoint.path, respcd: read_.right.envelope.respcd })
    return { ...read_.right, response }
  })

/**
 * One exchange with QFPay: sign → `Transport` → read (HTTP status, body) → verify → decode →
 * classify. No retries and no decisions: `decide.ts` makes those with what this returns.
 *
 * Failures to get a QFPay answer fail (`TransportError`, `RateLimited`, `UnexpectedResponse`,
 * `SignatureMismatch`); every QFPay answer succeeds, classified by its code.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Endpoint from "../Endpoint.js"
import type { Handle } from "../Handle.js"
import { QFPayConfig } from "../QFPayConfig.js"
import type { Service as ConfigService } from "../QFPayConfig.js"
import { type InvalidRequest, RateLimited, Rejected, type TransportError, UnexpectedResponse } from "../QFPayError.js"
import type * as Request from "../Request.js"
import type * as Response from "../Response.js"
import * as ResponseCode from "../ResponseCode.js"
import * as Signature from "../Signature.js"
import { Transport, type TransportResponse } from "../Transport.js"
import { decodeQuery, decodeSummary } from "./answer.js"
import type { Answer } from "./decide.js"
import * as Log from "./log.js"
import { type Observation, observe, queryFor } from "./observe.js"
import { compact, type Prepared } from "./request.js"

/** Failures to get an answer from QFPay. @internal */
export type SendError = TransportError | RateLimited | UnexpectedResponse | Signature.SignatureMismatch

/** @internal */
export type QueryError = SendError | InvalidRequest | Rejected

/** An answer, read: its code and messages, and its JSON. @internal */
export interface Sent {
  readonly envelope: Response.Envelope
  readonly json: unknown
  readonly response: TransportResponse
}

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
export const envelopeOf = (json: Record<string, unknown>): Response.Envelope | undefined => {
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
  endpoint: Endpoint.Endpoint,
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
  let json: unknown = response.json
  if (json === undefined) {
    try {
      json = JSON.parse(response.body)
    } catch {
      const body = response.body.trim()
      return fail(
        body === "" ? "empty body" : body.startsWith("{") || body.startsWith("[") ? "truncated JSON" : "not JSON",
        endpoint.mutating
      )
    }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("not a JSON object", endpoint.mutating)
  }
  const envelope = envelopeOf(json as Record<string, unknown>)
  if (envelope === undefined) return fail("no response code (respcd)", endpoint.mutating)
  return Either.right({ envelope, json })
}

/**
 * Signs the parameters, sends them, reads the answer and verifies its signature when asked
 * to. No span of its own: the programs have theirs, and the HTTP layer adds one per request.
 *
 * @internal
 */
export const exchange = (
  endpoint: Endpoint.Endpoint,
  params: Readonly<Record<string, string>>
): Effect.Effect<Sent, SendError, QFPayConfig | Transport> =>
  Effect.contextWithEffect((context: Context.Context<QFPayConfig | Transport>) => {
    const config = Context.get(context, QFPayConfig)
    return Effect.flatMap(
      Context.get(context, Transport).send({ endpoint, params, headers: headersFor(config, params) }),
      (response) =>
        // The time matters only to turn a 429's Retry-After date into a wait.
        response.status === 429
          ? Effect.flatMap(Clock.currentTimeMillis, (now) => answered(config, endpoint, response, now))
          : answered(config, endpoint, response, 0)
    )
  })

const answered = (
  config: ConfigService,
  endpoint: Endpoint.Endpoint,
  response: TransportResponse,
  now: number
): Effect.Effect<Sent, SendError> => {
  const read_ = read(endpoint, response, now)
  if (Either.isLeft(read_)) return Effect.fail(read_.left)
  const signature = response.headers["x-qf-sign"]
  if (
    config.verifyResponses && signature !== undefined &&
    !Signature.verifyNotification(response.body, signature, Redacted.value(config.clientKey), config.signType)
  ) {
    return Effect.fail(new Signature.SignatureMismatch({ what: "response" }))
  }
  const sent: Sent = { envelope: read_.right.envelope, json: read_.right.json, response }
  return Log.debugThen("QFPay answered", { endpoint: endpoint.path, respcd: sent.envelope.respcd }, sent)
}

// An answer whose code says it settled or is in progress must also carry readable fields;
// otherwise it cannot be trusted, and for an operation that changes state it may have applied.
const unreadable = (endpoint: Endpoint.Endpoint, sent: Sent) =>
  new UnexpectedResponse({
    endpoint: endpoint.operation,
    status: sent.response.status,
    reason: "fields QFPay does not send this way",
    excerpt: excerpt(sent.response.body),
    ambiguous: endpoint.mutating
  })

/**
 * Sends a prepared refund, reversal or close once, and classifies the answer.
 *
 * @internal
 */
export const submit = <A>(prepared: Prepared<A>): Effect.Effect<Answer, SendError, QFPayConfig | Transport> =>
  Effect.flatMap(exchange(prepared.endpoint, prepared.params), (sent) => {
    const code = sent.envelope.respcd
    const cls = ResponseCode.classify(code)
    const fields = decodeSummary(sent.json)
    if (Either.isLeft(fields) && (cls === "success" || cls === "pending")) {
      return Effect.fail(unreadable(prepared.endpoint, sent))
    }
    return Effect.succeed({
      code,
      class: cls,
      resperr: sent.envelope.resperr,
      respmsg: sent.envelope.respmsg,
      fields: Either.getOrUndefined(fields)
    })
  })

/**
 * Sends a prepared request once and decodes the whole answer (for `Submit.submit`).
 *
 * @internal
 */
export const submitDecoded = <A, R>(
  prepared: Prepared<A>,
  decode: (u: unknown) => Either.Either<R, unknown>
): Effect.Effect<{ readonly sent: Sent; readonly response: R | undefined }, SendError, QFPayConfig | Transport> =>
  Effect.flatMap(exchange(prepared.endpoint, prepared.params), (sent) => {
    const cls = ResponseCode.classify(sent.envelope.respcd)
    const full = decode(sent.json)
    if (Either.isLeft(full) && (cls === "success" || cls === "pending")) {
      return Effect.fail(unreadable(prepared.endpoint, sent))
    }
    return Effect.succeed({ sent, response: Either.getOrUndefined(full) })
  })

// "Does not exist" from the enquiry itself is an empty answer, not a failure of the enquiry.
const notFoundCodes: ReadonlyArray<string> = ["1268", "1136"]

/**
 * One enquiry with these wire parameters: its rows, or why there are none.
 *
 * @internal
 */
export const query = (
  params: Readonly<Record<string, string>>
): Effect.Effect<Response.QueryPage, SendError | Rejected, QFPayConfig | Transport> =>
  Effect.flatMap(
    submitDecoded({ endpoint: Endpoint.query, request: params, params }, decodeQuery),
    ({ response, sent }): Effect.Effect<Response.QueryPage, SendError | Rejected> => {
      const code = sent.envelope.respcd
      const page = response?.page ?? (params.page === undefined ? 1 : Number(params.page))
      const page_size = response?.page_size ?? (params.page_size === undefined ? 10 : Number(params.page_size))
      if (code === "0000") {
        if (response === undefined) return Effect.fail(unreadable(Endpoint.query, sent))
        return Effect.succeed({ rows: response.data, page, page_size })
      }
      if (notFoundCodes.includes(code)) return Effect.succeed({ rows: [], page, page_size })
      return Effect.fail(Rejected.fromCode({
        endpoint: "query",
        code,
        resperr: sent.envelope.resperr,
        respmsg: sent.envelope.respmsg
      }))
    }
  )

/**
 * Sends a prepared enquiry once.
 *
 * @internal
 */
export const queryPrepared = (
  prepared: Prepared<Request.QueryRequest>
): Effect.Effect<Response.QueryPage, SendError | Rejected, QFPayConfig | Transport> => query(prepared.params)

/**
 * One enquiry about one of our operations, and what it says.
 *
 * @internal
 */
export const enquire = (
  handle: Handle
): Effect.Effect<Observation, SendError | Rejected, QFPayConfig | Transport> =>
  Effect.flatMap(QFPayConfig, (config) => {
    // The handle's ids are validated values: the wire form is their text.
    const params = compact({ ...queryFor(handle), mchid: Option.getOrUndefined(config.mchid) }) as Record<
      string,
      string
    >
    return Effect.map(query(params), (page) => observe(handle, page.rows))
  })

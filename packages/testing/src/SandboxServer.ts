/**
 * The simulated QFPay over real HTTP on loopback: the same model as the in-memory layer,
 * served in QFPay's wire format (form bodies for POST, the query string for the GET close,
 * `X-QF-*` headers, JSON answers), so the HTTP layer and any non-Effect client can be tested
 * end to end. Admin routes under `/_sandbox/` create payments, set behaviours and faults, and
 * show state; `GET /_sandbox/` in a browser is a dashboard of it all, kept live by server-sent
 * events (`GET /_sandbox/events`), so that a person can watch a test or a demo as it runs.
 *
 * Over HTTP a lost connection cannot say whether the request arrived: both "lost before" and
 * "lost after" close the socket without an answer.
 *
 * Hostile input gets a 4xx naming the problem, never a 500: a body over `maxBodyBytes` (1 MiB by
 * default) is a 413 before it is read; a bad path, bad JSON, JSON nested deeper than 64 levels,
 * an unknown field or a bad form is a 400 (in QFPay's JSON format on QFPay's routes). A long
 * life stays bounded: the request log keeps the last 10 000 requests, the simulator at most
 * 100 000 transactions and 10 000 scripted outcomes and fault rules waiting; past those, a 507
 * says so. So are the dashboard's streams: 16 at once by default (a 503 past that), a heartbeat
 * every 15 s, each ended when its client goes or the sandbox stops. Every request is logged at
 * info level (method, path, status, `respcd`), never a key or a signature; {@link stderrLogger}
 * sends the logs to stderr.
 *
 * The admin routes, their bodies and answers are documented in the package's README.
 *
 * @since 0.1.0
 */
import { Endpoint, ResponseCode } from "@effect-qfpay/core"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Headers from "@effect/platform/Headers"
import * as HttpServer from "@effect/platform/HttpServer"
import type { ServeError } from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Http from "node:http"
import * as Behaviour from "./Behaviour.js"
import * as FaultPlan from "./FaultPlan.js"
import * as Body from "./internal/body.js"
import * as Dashboard from "./internal/dashboard.js"
import * as Live from "./internal/live.js"
import * as Simulator from "./Simulator.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `http://host:port`, the base URL to give a client. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly simulator: Simulator.Service
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SandboxServer extends Context.Tag("@effect-qfpay/testing/SandboxServer")<SandboxServer, Service>() {}

/**
 * How the HTTP app treats what it receives.
 *
 * @since 0.2.0
 * @category models
 */
export interface AppOptions {
  /**
   * The largest request body read, in bytes (default {@link defaultMaxBodyBytes}). A larger
   * declared `content-length` is a 413 before a byte is read; a chunked body stops being read as
   * soon as it passes the limit (the platform then resets the connection).
   */
  readonly maxBodyBytes?: number | undefined
  /**
   * Scripted outcomes and fault rules waiting to be used, at most (default
   * {@link defaultMaxQueued}); admin requests that would pass it answer 507.
   */
  readonly maxQueued?: number | undefined
  /** Log every request at info level (default true). */
  readonly logRequests?: boolean | undefined
  /**
   * Streams of `GET /_sandbox/events` open at once, at most (default
   * {@link defaultMaxSubscribers}); one more answers 503.
   *
   * @since 0.3.0
   */
  readonly maxSubscribers?: number | undefined
  /**
   * How long a stream of `GET /_sandbox/events` stays silent at most: past it, a heartbeat
   * comment is sent, so that a client and the proxies between see the stream alive (default
   * {@link defaultHeartbeatMillis}).
   *
   * @since 0.3.0
   */
  readonly heartbeatMillis?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends AppOptions {
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** Default 0: any free port. */
  readonly port?: number | undefined
  /**
   * The simulator's options. Its `limits` default to {@link defaultLimits} here (a sandbox may
   * run for days), not to the in-memory simulator's.
   */
  readonly simulator?: Simulator.Options | undefined
}

/**
 * The path prefix of the admin routes.
 *
 * @since 0.1.0
 * @category constants
 */
export const ADMIN_PREFIX = "/_sandbox"

/**
 * The largest request body a sandbox reads unless told otherwise: 1 MiB.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxBodyBytes = 1024 * 1024

/**
 * Scripted outcomes and fault rules waiting, at most, unless told otherwise.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxQueued = 10_000

/**
 * Streams of `GET /_sandbox/events` open at once, at most, unless told otherwise.
 *
 * @since 0.3.0
 * @category constants
 */
export const defaultMaxSubscribers = 16

/**
 * The longest a stream of `GET /_sandbox/events` stays silent unless told otherwise: 15 s.
 *
 * @since 0.3.0
 * @category constants
 */
export const defaultHeartbeatMillis = 15_000

/**
 * A sandbox server's simulator limits: the last 10 000 requests, 100 000 transactions.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultLimits: Simulator.Limits = { requestLog: 10_000, transactions: 100_000 }

/**
 * Sends Effect's logs to stderr in logfmt, so that a sandbox's request log never mixes with
 * what a program prints on stdout.
 *
 * @since 0.2.0
 * @category layers
 */
export const stderrLogger: Layer.Layer<never> = Logger.replace(
  Logger.defaultLogger,
  Logger.withConsoleError(Logger.logfmtLogger)
)

// ---------------------------------------------------------------------------------------
// admin bodies

const Code = Schema.String.pipe(
  Schema.pattern(/^\d{4}$/, { message: () => "expected a four-digit response code such as \"1155\"" })
)
const PendingCode = Schema.Literal("1143", "1145", "1298").annotations({
  message: () => "expected a pending code: \"1143\", \"1145\" or \"1298\""
})
const FailureCode = Code.pipe(
  Schema.filter((code) =>
    code !== "0000" && !ResponseCode.isPending(code) ||
    "expected a failure code (not \"0000\" nor a pending code)"
  )
)
const Count = Schema.Int.pipe(Schema.between(1, 1_000_000))
const Millis = Schema.Int.pipe(Schema.between(0, 7 * 24 * 3600 * 1000))
const Rate = Schema.Number.pipe(Schema.between(0, 1))
const Operation = Schema.Literal("refund", "reversal", "close", "query", "payment")

const PaymentBody = Schema.Struct({
  txamt: Schema.Number,
  pay_type: Schema.optional(Schema.String),
  txcurrcd: Schema.optional(Schema.String),
  out_trade_no: Schema.optional(Schema.String),
  txdtm: Schema.optional(Schema.String),
  state: Schema.optionalWith(Schema.Literal("paid", "pending", "failed"), { default: () => "paid" as const }),
  code: Schema.optional(Code),
  settle_after_enquiries: Schema.optional(Count),
  settle_after_millis: Schema.optional(Millis)
})

const OutcomeBody = Schema.Struct({
  outcome: Schema.Literal("succeed", "pending", "fail"),
  code: Schema.optional(Code),
  after_enquiries: Schema.optional(Count),
  after_millis: Schema.optional(Millis),
  never: Schema.optional(Schema.Boolean),
  fail_with: Schema.optional(FailureCode)
})

const ScriptBody = Schema.Struct({ out_trade_no: Schema.String, outcomes: Schema.Array(OutcomeBody) })

const BehaviourBody = Schema.Union(
  Schema.Struct({ mode: Schema.Literal("succeed") }),
  Schema.Struct({
    mode: Schema.Literal("seeded"),
    seed: Schema.Int,
    pending_rate: Schema.optional(Rate),
    fail_rate: Schema.optional(Rate),
    max_enquiries: Schema.optional(Count)
  }),
  Schema.Struct({ mode: Schema.Literal("always"), outcome: OutcomeBody })
)

const SettleBody = Schema.Struct({ fail_with: Schema.optional(FailureCode) })

const FaultBody = Schema.Struct({
  kind: Schema.Literal(
    "latency",
    "lost-before",
    "lost-after",
    "rate-limited",
    "server-error",
    "non-json",
    "truncated-json"
  ),
  millis: Schema.optional(Millis),
  retry_after: Schema.optional(Schema.Int.pipe(Schema.between(0, 86_400))),
  status: Schema.optional(Schema.Int.pipe(Schema.between(500, 599))),
  applied: Schema.optional(Schema.Boolean)
})

const FaultRuleBody = Schema.Struct({
  operation: Schema.optional(Operation),
  fault: FaultBody,
  times: Schema.optional(Count)
})

const FaultPlanBody = Schema.Struct({
  seed: Schema.Int,
  rate: Schema.optional(Rate),
  operations: Schema.optional(Schema.Array(Operation))
})

const RulesBody = Schema.Struct({
  enforceRouting: Schema.optional(Schema.Boolean),
  refundBlackout: Schema.optional(Schema.Boolean),
  noRefundPayTypes: Schema.optional(Schema.Array(Schema.String)),
  noPartialRefundPayTypes: Schema.optional(Schema.Array(Schema.String)),
  noPartialRefundCurrencies: Schema.optional(Schema.Array(Schema.String)),
  routing: Schema.optional(Schema.Struct({ reversal: Schema.Array(Schema.String), close: Schema.Array(Schema.String) }))
})

/** A reason for a 400, or the value. */
type Checked<A> = Either.Either<A, string>

const toOutcome = (o: typeof OutcomeBody.Type): Checked<Behaviour.Outcome> => {
  switch (o.outcome) {
    case "succeed":
      return Either.right(Behaviour.succeed)
    case "fail":
      return o.code === undefined || Either.isRight(Schema.decodeEither(FailureCode)(o.code))
        ? Either.right(Behaviour.fail(o.code ?? "1155"))
        : Either.left(`code: a "fail" outcome takes a failure code, got "${o.code}"`)
    case "pending":
      return o.code !== undefined && !Schema.is(PendingCode)(o.code)
        ? Either.left(`code: a "pending" outcome takes 1143, 1145 or 1298, got "${o.code}"`)
        : Either.right(Behaviour.pending({
          code: o.code,
          afterEnquiries: o.after_enquiries,
          afterMillis: o.after_millis,
          never: o.never,
          failWith: o.fail_with
        }))
  }
}

const toPaymentState = (
  p: typeof PaymentBody.Type
): Checked<Simulator.PaymentState | Simulator.PaymentStateName> => {
  const settles = p.settle_after_enquiries !== undefined || p.settle_after_millis !== undefined
  switch (p.state) {
    case "paid":
      return p.code !== undefined || settles
        ? Either.left("code and settle_after_*: only for a \"pending\" or \"failed\" payment")
        : Either.right("paid")
    case "failed":
      if (settles) return Either.left("settle_after_*: only for a \"pending\" payment")
      return p.code === undefined
        ? Either.right("failed")
        : Either.map(
          Either.mapLeft(
            Schema.decodeEither(FailureCode)(p.code),
            () => `code: a "failed" payment takes a failure code, got "${p.code}"`
          ),
          (code) => ({ _tag: "Failed", code })
        )
    case "pending":
      if (p.code !== undefined && !Schema.is(PendingCode)(p.code)) {
        return Either.left(`code: a "pending" payment takes 1143, 1145 or 1298, got "${p.code}"`)
      }
      return Either.right({
        _tag: "Pending",
        code: p.code as Behaviour.PendingCode | undefined,
        settles: p.settle_after_enquiries !== undefined
          ? { _tag: "AfterEnquiries", count: p.settle_after_enquiries }
          : p.settle_after_millis !== undefined
          ? { _tag: "AfterMillis", millis: p.settle_after_millis }
          : { _tag: "Never" }
      })
  }
}

const toFault = (f: typeof FaultBody.Type): FaultPlan.Fault => {
  switch (f.kind) {
    case "latency":
      return FaultPlan.latency(f.millis ?? 1000)
    case "lost-before":
      return FaultPlan.lostBefore
    case "lost-after":
      return FaultPlan.lostAfter
    case "rate-limited":
      return FaultPlan.rateLimited(f.retry_after)
    case "server-error":
      return FaultPlan.serverError(f.status ?? 502, f.applied ?? false)
    case "non-json":
      return FaultPlan.nonJson(f.applied ?? true)
    case "truncated-json":
      return FaultPlan.truncatedJson
  }
}

// ---------------------------------------------------------------------------------------
// answers

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.unsafeJson(body, { status, headers })

const ok = json({ ok: true })

const bad = (message: string) => json({ error: message }, 400)

const tooLarge = (limit: number) => `the body is larger than ${limit} bytes`

/** An answer of QFPay's shape for a request refused before the simulated QFPay saw it. */
const qfpayRefusal = (status: number, code: string, message: string) =>
  json({ respcd: code, resperr: ResponseCode.meaning(code), respmsg: message }, status, { connection: "close" })

/** An answer and, for QFPay's routes, its `respcd`: what the request log on stderr shows. */
interface Handled {
  readonly response: HttpServerResponse.HttpServerResponse
  readonly respcd?: string | undefined
  /** The connection was dropped on purpose (a lost-before / lost-after fault). */
  readonly dropped?: boolean | undefined
}

const respcdOf = (body: string): string | undefined => /"respcd":"([^"]*)"/.exec(body)?.[1]

// ---------------------------------------------------------------------------------------
// admin routes

type RouteName =
  | "index"
  | "health"
  | "transactions"
  | "transaction"
  | "refunds"
  | "settle"
  | "log"
  | "rules"
  | "payments"
  | "scripts"
  | "behaviour"
  | "faults"
  | "fault-plan"
  | "events"

const methods: { readonly [name in RouteName]: ReadonlyArray<string> } = {
  index: ["GET"],
  health: ["GET"],
  transactions: ["GET"],
  transaction: ["GET"],
  refunds: ["GET"],
  settle: ["POST"],
  log: ["GET"],
  rules: ["GET", "POST"],
  payments: ["POST"],
  scripts: ["POST", "DELETE"],
  behaviour: ["POST"],
  faults: ["POST", "DELETE"],
  "fault-plan": ["POST"],
  events: ["GET"]
}

const fixed = new Map<string, RouteName>([
  ["", "index"],
  ["health", "health"],
  ["transactions", "transactions"],
  ["log", "log"],
  ["rules", "rules"],
  ["payments", "payments"],
  ["scripts", "scripts"],
  ["behaviour", "behaviour"],
  ["faults", "faults"],
  ["fault-plan", "fault-plan"],
  ["events", "events"]
])

/** The route a path after the prefix names, and the transaction id in it (still encoded). */
const routeOf = (rest: string): { readonly name: RouteName; readonly id?: string } | undefined => {
  const segments = rest.split("/").slice(1)
  if (segments.length <= 1) {
    const name = fixed.get(segments[0] ?? "")
    return name === undefined ? undefined : { name }
  }
  if (segments[0] !== "transactions" || segments[1] === "" || segments.length > 3) return undefined
  if (segments.length === 2) return { name: "transaction", id: segments[1] }
  if (segments[2] === "refunds") return { name: "refunds", id: segments[1] }
  if (segments[2] === "settle") return { name: "settle", id: segments[1] }
  return undefined
}

const routeList = Object.entries(methods).flatMap(([name, ms]) => {
  const path = name === "index"
    ? "/"
    : name === "transaction"
    ? "/transactions/{id}"
    : name === "refunds"
    ? "/transactions/{id}/refunds"
    : name === "settle"
    ? "/transactions/{id}/settle"
    : `/${name}`
  return ms.map((m) => `${m} ${ADMIN_PREFIX}${path}`)
})

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Whether the `accept` header names `type` (parameters and weights aside). */
const accepts = (request: HttpServerRequest.HttpServerRequest, type: string): boolean =>
  (request.headers["accept"] ?? "").split(",").some((item) => item.split(";")[0].trim().toLowerCase() === type)

const dashboard = HttpServerResponse.text(Dashboard.html, {
  contentType: "text/html; charset=utf-8",
  headers: {
    "content-security-policy": Dashboard.contentSecurityPolicy,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    vary: "accept"
  }
})

const EVENT_STREAM = "text/event-stream"

/** `GET /_sandbox/events`: a stream while there is room for one, and only to who asks for it. */
const events = (request: HttpServerRequest.HttpServerRequest, live: Live.Live) => {
  if (!accepts(request, EVENT_STREAM)) {
    return json(
      { error: `${ADMIN_PREFIX}/events streams server-sent events: ask for them with Accept: ${EVENT_STREAM}` },
      406
    )
  }
  if (live.closed) return json({ error: "the sandbox is stopping" }, 503, { connection: "close" })
  if (live.subscribers >= live.maxSubscribers) {
    return json(
      {
        error: `${live.subscribers} streams of ${ADMIN_PREFIX}/events are open, the limit: ` +
          "close one (a dashboard's tab), or raise maxSubscribers."
      },
      503,
      { "retry-after": "5" }
    )
  }
  return HttpServerResponse.stream(Live.subscribe(live), {
    contentType: EVENT_STREAM,
    // Not kept alive once it ends: a sandbox that stops closes it then, without waiting for the client.
    headers: { "cache-control": "no-store", "x-accel-buffering": "no", connection: "close" }
  })
}

const admin = (
  sim: Simulator.Service,
  request: HttpServerRequest.HttpServerRequest,
  path: string,
  options: { readonly maxBodyBytes: number; readonly maxQueued: number },
  live: Live.Live
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const route = routeOf(path.slice(ADMIN_PREFIX.length))
    if (route === undefined) return json({ error: `no admin route ${request.method} ${path}` }, 404)
    const allowed = methods[route.name]
    if (!allowed.includes(request.method)) {
      return json(
        { error: `${request.method} is not allowed on ${path}: use ${allowed.join(" or ")}` },
        405,
        { allow: allowed.join(", ") }
      )
    }
    let id = ""
    if (route.id !== undefined) {
      const decoded = Body.decodePathSegment(route.id)
      if (Either.isLeft(decoded)) return bad(decoded.left)
      id = decoded.right
    }

    /** The JSON body decoded by `schema` (an empty body is `{}`), then `f`; a 400 or 413 otherwise. */
    const withBody = <A, I>(
      schema: Schema.Schema<A, I>,
      f: (a: A) => Effect.Effect<HttpServerResponse.HttpServerResponse>
    ) =>
      Effect.flatMap(Effect.either(Body.readBody(request, options.maxBodyBytes)), (read) => {
        if (Either.isLeft(read)) {
          return Effect.succeed(
            read.left._tag === "TooLarge"
              ? json({ error: tooLarge(options.maxBodyBytes) }, 413, { connection: "close" })
              : bad("the body could not be read")
          )
        }
        const decoded = Body.decodeUtf8(read.right).pipe(
          Either.flatMap((text) => (text.trim() === "" ? Either.right({}) : Body.parseJson(text))),
          Either.filterOrLeft(isRecord, () => "the body must be a JSON object"),
          Either.flatMap((parsed) =>
            Either.mapLeft(
              Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })(parsed),
              Body.firstIssue
            )
          )
        )
        return Either.match(decoded, { onLeft: (e) => Effect.succeed(bad(e)), onRight: f })
      })

    /** A 507 when `adding` more scripted outcomes or fault rules would pass `maxQueued`. */
    const room = (adding: number, f: Effect.Effect<HttpServerResponse.HttpServerResponse>) =>
      Effect.flatMap(sim.queued, (queued) =>
        queued + adding > options.maxQueued
          ? Effect.succeed(json(
            {
              error:
                `the sandbox holds ${queued} scripted outcomes and fault rules waiting; ${adding} more would pass ` +
                `its limit of ${options.maxQueued}: let them be used, DELETE ${ADMIN_PREFIX}/scripts or ` +
                `${ADMIN_PREFIX}/faults, or raise maxQueued.`
            },
            507
          ))
          : f)

    const notFound = json({ error: `no transaction ${id}` }, 404)

    switch (route.name) {
      case "index":
        // A browser asks for HTML: the dashboard. Anything else: the routes, in JSON.
        return accepts(request, "text/html") ? dashboard : json({ routes: routeList }, 200, { vary: "accept" })
      case "events":
        return events(request, live)
      case "health":
        return json({ ok: true })
      case "transactions":
        return json(yield* sim.transactions)
      case "transaction":
        return Option.match(yield* sim.transaction(id), { onNone: () => notFound, onSome: (t) => json(t) })
      case "refunds": {
        const payment = yield* sim.transaction(id)
        if (Option.isNone(payment)) return notFound
        const syssn = payment.value.syssn
        return json({ refunds: yield* sim.refundsOf(syssn), refunded: yield* sim.refundedTotal(syssn) })
      }
      case "settle":
        return yield* withBody(SettleBody, (b) =>
          Effect.map(
            sim.settle(id, { failWith: b.fail_with }),
            Option.match({
              onNone: () => json({ error: `nothing in progress on ${id}` }, 404),
              onSome: (t) => json(t)
            })
          ))
      case "log":
        return json(yield* sim.requestLog)
      case "rules":
        if (request.method === "GET") return json(yield* sim.rules)
        return yield* withBody(RulesBody, (b) =>
          Effect.as(
            sim.setRules(Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined))),
            ok
          ))
      case "payments":
        return yield* withBody(PaymentBody, (p) =>
          Either.match(toPaymentState(p), {
            onLeft: (e) => Effect.succeed(bad(e)),
            onRight: (state) =>
              sim.createPayment({
                txamt: p.txamt,
                pay_type: p.pay_type,
                txcurrcd: p.txcurrcd,
                out_trade_no: p.out_trade_no,
                txdtm: p.txdtm,
                state
              }).pipe(
                Effect.map((t) => json(t, 201)),
                Effect.catchTags({
                  InvalidPayment: (e) => Effect.succeed(bad(e.reason)),
                  SimulatorFull: (e) => Effect.succeed(json({ error: e.message }, 507))
                })
              )
          }))
      case "scripts":
        if (request.method === "DELETE") return yield* Effect.as(sim.clearScripts, ok)
        return yield* withBody(ScriptBody, (b) =>
          Either.match(Either.all(b.outcomes.map(toOutcome)), {
            onLeft: (e) => Effect.succeed(bad(e)),
            onRight: (outcomes) => room(outcomes.length, Effect.as(sim.script(b.out_trade_no, ...outcomes), ok))
          }))
      case "behaviour":
        return yield* withBody(BehaviourBody, (b) => {
          const policy: Checked<Behaviour.Policy> = b.mode === "succeed"
            ? Either.right(Behaviour.alwaysSucceed)
            : b.mode === "always"
            ? Either.map(toOutcome(b.outcome), Behaviour.always)
            : Either.right(Behaviour.seeded(b.seed, {
              pendingRate: b.pending_rate,
              failRate: b.fail_rate,
              maxEnquiries: b.max_enquiries
            }))
          return Either.match(policy, {
            onLeft: (e) => Effect.succeed(bad(e)),
            onRight: (p) => Effect.as(sim.setBehaviour(p), ok)
          })
        })
      case "faults":
        if (request.method === "DELETE") return yield* Effect.as(sim.clearFaults, ok)
        return yield* withBody(FaultRuleBody, (b) =>
          room(
            1,
            Effect.as(sim.addFaults({ operation: b.operation, fault: toFault(b.fault), times: b.times }), ok)
          ))
      case "fault-plan":
        return yield* withBody(FaultPlanBody, (b) =>
          Effect.as(
            sim.setFaultPlan(FaultPlan.seeded(b.seed, { rate: b.rate, operations: b.operations })),
            ok
          ))
    }
  })

// ---------------------------------------------------------------------------------------
// QFPay's routes

const FORM = "application/x-www-form-urlencoded"

const qfpay = (
  sim: Simulator.Service,
  request: HttpServerRequest.HttpServerRequest,
  url: URL,
  maxBodyBytes: number
): Effect.Effect<Handled> =>
  Effect.gen(function*() {
    const path = url.pathname
    const endpoint = Endpoint.byPath(path)
    // Strict checks only where QFPay would look at the request: elsewhere it is a 404 or 405.
    const strict = endpoint !== undefined && endpoint.method === request.method
    const format = (message: string): Handled => ({ response: qfpayRefusal(400, "1103", message), respcd: "1103" })
    let raw: string
    if (request.method === "GET") {
      raw = url.search.slice(1)
    } else {
      // Too large first: it is answered without reading a byte.
      const declared = Body.declaredLength(request)
      if (declared !== undefined && declared > maxBodyBytes) {
        return { response: qfpayRefusal(413, "1103", tooLarge(maxBodyBytes)), respcd: "1103" }
      }
      const contentType = Body.mediaType(request.headers["content-type"])
      if (strict && contentType !== undefined && contentType !== FORM) {
        return format(`content-type: expected ${FORM}, got ${Body.oneLine(contentType, 80)}`)
      }
      const read = yield* Effect.either(Body.readBody(request, maxBodyBytes))
      if (Either.isLeft(read)) {
        return read.left._tag === "TooLarge"
          ? { response: qfpayRefusal(413, "1103", tooLarge(maxBodyBytes)), respcd: "1103" }
          : format("the body could not be read")
      }
      const text = Body.decodeUtf8(read.right)
      if (Either.isLeft(text)) {
        if (strict) return format(text.left)
        raw = ""
      } else {
        raw = text.right
      }
    }
    const form = Body.parseForm(raw)
    if (strict && Either.isLeft(form)) return format(form.left)
    const params = Either.getOrElse(form, () => ({}))
    const served = yield* sim.serve({ method: request.method, path, params, headers: request.headers, raw })
    if (served._tag === "Lost") {
      // Close the connection without an answer.
      yield* Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.destroy())
      return { response: HttpServerResponse.empty({ status: 500 }), dropped: true }
    }
    const { body, headers, status } = served.answer
    return {
      response: HttpServerResponse.text(body, {
        status,
        headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name !== "content-type")),
        contentType: headers["content-type"] ?? "application/json"
      }),
      respcd: respcdOf(body)
    }
  })

/** The request target as a URL, when it is a path (origin form). */
const targetOf = (target: string): URL | undefined => {
  if (!target.startsWith("/")) return undefined
  try {
    // Concatenated, not resolved: a target of "//x" is a path, not a host.
    return new URL(`http://sandbox.invalid${target}`)
  } catch {
    return undefined
  }
}

/**
 * The HTTP app serving a simulator. Its event streams end when their clients go; {@link layer}
 * also ends them when it stops, so that its server does not wait for them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const app = (sim: Simulator.Service, options: AppOptions = {}) => serve(sim, options, makeLive(sim, options))

const positive = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name}: expected a positive whole number, got ${value}`)
  }
  return value
}

const makeLive = (sim: Simulator.Service, options: AppOptions): Live.Live =>
  Live.make(sim, {
    maxSubscribers: positive("maxSubscribers", options.maxSubscribers ?? defaultMaxSubscribers),
    heartbeatMillis: positive("heartbeatMillis", options.heartbeatMillis ?? defaultHeartbeatMillis)
  })

const serve = (sim: Simulator.Service, options: AppOptions, live: Live.Live) => {
  const maxBodyBytes = Body.checkLimit("maxBodyBytes", options.maxBodyBytes ?? defaultMaxBodyBytes)
  const maxQueued = options.maxQueued ?? defaultMaxQueued
  const logRequests = options.logRequests ?? true
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = targetOf(request.url)
    let handled: Handled
    if (url === undefined) {
      handled = { response: json({ error: "the request target is not a path" }, 400, { connection: "close" }) }
    } else if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`)) {
      handled = { response: yield* admin(sim, request, url.pathname, { maxBodyBytes, maxQueued }, live) }
    } else {
      handled = yield* qfpay(sim, request, url, maxBodyBytes)
    }
    if (logRequests) {
      // Method, path, status and respcd only: never headers (the signature) nor the query string.
      yield* Effect.logInfo("sandbox request").pipe(
        Effect.annotateLogs({
          method: request.method,
          path: Body.oneLine(url?.pathname ?? request.url, 200),
          status: handled.dropped === true ? "dropped" : handled.response.status,
          ...(handled.respcd === undefined ? {} : { respcd: handled.respcd })
        })
      )
    }
    return handled.response
  })
}

/**
 * Starts a sandbox server for the life of the scope, on `host:port` (127.0.0.1 and any free
 * port by default), and provides it together with its `Simulator`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<SandboxServer | Simulator.Simulator, ServeError> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const host = options.host ?? "127.0.0.1"
      const simulator = yield* Simulator.make({
        ...options.simulator,
        limits: { ...defaultLimits, ...options.simulator?.limits }
      })
      const server = yield* NodeHttpServer.make(() => Http.createServer(), { host, port: options.port ?? 0 })
      // Made after the server, so ended before it closes: the server waits for open streams.
      const live = yield* Effect.acquireRelease(Effect.sync(() => makeLive(simulator, options)), Live.close)
      // The platform's server spans show request headers: the signature is not one to show.
      yield* server.serve(serve(simulator, options, live)).pipe(
        Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, "x-qf-sign"])
      )
      const port = server.address._tag === "TcpAddress" ? server.address.port : 0
      const hostForUrl = host.includes(":") ? `[${host}]` : host
      const service: Service = { url: `http://${hostForUrl}:${port}`, host, port, simulator }
      return Context.make(SandboxServer, service).pipe(Context.add(Simulator.Simulator, simulator))
    })
  )

/**
 * Logs where the sandbox listens.
 *
 * @since 0.1.0
 * @category layers
 */
export const logAddress = HttpServer.logAddress

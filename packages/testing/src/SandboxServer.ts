/**
 * The simulated QFPay over real HTTP on loopback: the same model as the in-memory layer,
 * served in QFPay's wire format (form bodies for POST, the query string for the GET close,
 * `X-QF-*` headers, JSON answers), so the HTTP layer and any non-Effect client can be tested
 * end to end. Admin routes under `/_sandbox/` create payments, set behaviours and faults, and
 * show state.
 *
 * Over HTTP a lost connection cannot say whether the request arrived: both "lost before" and
 * "lost after" close the socket without an answer.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpServer from "@effect/platform/HttpServer"
import type { ServeError } from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Http from "node:http"
import * as Behaviour from "./Behaviour.js"
import * as FaultPlan from "./FaultPlan.js"
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
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** Default 0: any free port. */
  readonly port?: number | undefined
  readonly simulator?: Simulator.Options | undefined
}

/**
 * The path prefix of the admin routes.
 *
 * @since 0.1.0
 * @category constants
 */
export const ADMIN_PREFIX = "/_sandbox"

const PaymentBody = Schema.Struct({
  txamt: Schema.Number,
  pay_type: Schema.optional(Schema.String),
  txcurrcd: Schema.optional(Schema.String),
  out_trade_no: Schema.optional(Schema.String),
  txdtm: Schema.optional(Schema.String),
  state: Schema.optionalWith(Schema.Literal("paid", "pending", "failed"), { default: () => "paid" as const }),
  code: Schema.optional(Schema.String),
  settle_after_enquiries: Schema.optional(Schema.Number),
  settle_after_millis: Schema.optional(Schema.Number)
})

const OutcomeBody = Schema.Struct({
  outcome: Schema.Literal("succeed", "pending", "fail"),
  code: Schema.optional(Schema.String),
  after_enquiries: Schema.optional(Schema.Number),
  after_millis: Schema.optional(Schema.Number),
  never: Schema.optional(Schema.Boolean),
  fail_with: Schema.optional(Schema.String)
})

const ScriptBody = Schema.Struct({ out_trade_no: Schema.String, outcomes: Schema.Array(OutcomeBody) })

const BehaviourBody = Schema.Union(
  Schema.Struct({ mode: Schema.Literal("succeed") }),
  Schema.Struct({
    mode: Schema.Literal("seeded"),
    seed: Schema.Number,
    pending_rate: Schema.optional(Schema.Number),
    fail_rate: Schema.optional(Schema.Number),
    max_enquiries: Schema.optional(Schema.Number)
  }),
  Schema.Struct({ mode: Schema.Literal("always"), outcome: OutcomeBody })
)

const SettleBody = Schema.Struct({ fail_with: Schema.optional(Schema.String) })

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
  millis: Schema.optional(Schema.Number),
  retry_after: Schema.optional(Schema.Number),
  status: Schema.optional(Schema.Number),
  applied: Schema.optional(Schema.Boolean)
})

const FaultRuleBody = Schema.Struct({
  operation: Schema.optional(Schema.Literal("refund", "reversal", "close", "query", "payment")),
  fault: FaultBody,
  times: Schema.optional(Schema.Number)
})

const FaultPlanBody = Schema.Struct({
  seed: Schema.Number,
  rate: Schema.optional(Schema.Number),
  operations: Schema.optional(Schema.Array(Schema.Literal("refund", "reversal", "close", "query", "payment")))
})

const RulesBody = Schema.Struct({
  enforceRouting: Schema.optional(Schema.Boolean),
  refundBlackout: Schema.optional(Schema.Boolean),
  noRefundPayTypes: Schema.optional(Schema.Array(Schema.String)),
  noPartialRefundPayTypes: Schema.optional(Schema.Array(Schema.String)),
  noPartialRefundCurrencies: Schema.optional(Schema.Array(Schema.String)),
  routing: Schema.optional(Schema.Struct({ reversal: Schema.Array(Schema.String), close: Schema.Array(Schema.String) }))
})

const toOutcome = (o: typeof OutcomeBody.Type): Behaviour.Outcome =>
  o.outcome === "succeed"
    ? Behaviour.succeed
    : o.outcome === "fail"
    ? Behaviour.fail(o.code ?? "1155")
    : Behaviour.pending({
      code: (o.code ?? "1145") as Behaviour.PendingCode,
      afterEnquiries: o.after_enquiries,
      afterMillis: o.after_millis,
      never: o.never,
      failWith: o.fail_with
    })

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

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

const bad = (message: string) => json({ error: message }, 400)

const readJson = <A, I>(request: HttpServerRequest.HttpServerRequest, schema: Schema.Schema<A, I>) =>
  Effect.map(Effect.either(request.text), (text) => {
    if (Either.isLeft(text)) return Either.left("could not read the body")
    let parsed: unknown
    try {
      parsed = text.right === "" ? {} : JSON.parse(text.right)
    } catch {
      return Either.left("the body is not JSON")
    }
    return Either.mapLeft(
      Schema.decodeUnknownEither(schema)(parsed),
      (e) => ParseResult.TreeFormatter.formatErrorSync(e)
    )
  })

const admin = (sim: Simulator.Service, request: HttpServerRequest.HttpServerRequest, path: string) =>
  Effect.gen(function*() {
    const route = `${request.method} ${path.slice(ADMIN_PREFIX.length)}`
    const withBody = <A, I>(
      schema: Schema.Schema<A, I>,
      f: (a: A) => Effect.Effect<HttpServerResponse.HttpServerResponse>
    ) => Effect.flatMap(readJson(request, schema), Either.match({ onLeft: (e) => Effect.succeed(bad(e)), onRight: f }))
    switch (route) {
      case "GET /health":
        return json({ ok: true })
      case "GET /transactions":
        return json(yield* sim.transactions)
      case "GET /log":
        return json(yield* sim.requestLog)
      case "POST /payments":
        return yield* withBody(PaymentBody, (p) =>
          sim.createPayment({
            txamt: p.txamt,
            pay_type: p.pay_type,
            txcurrcd: p.txcurrcd,
            out_trade_no: p.out_trade_no,
            txdtm: p.txdtm,
            state: p.state === "paid"
              ? { _tag: "Paid" }
              : p.state === "failed"
              ? { _tag: "Failed", code: p.code ?? "1205" }
              : {
                _tag: "Pending",
                code: (p.code ?? "1143") as Behaviour.PendingCode,
                settles: p.settle_after_enquiries !== undefined
                  ? { _tag: "AfterEnquiries", count: p.settle_after_enquiries }
                  : p.settle_after_millis !== undefined
                  ? { _tag: "AfterMillis", millis: p.settle_after_millis }
                  : { _tag: "Never" }
              }
          }).pipe(
            Effect.map((t) => json(t, 201)),
            Effect.catchTag("InvalidPayment", (e) => Effect.succeed(bad(e.reason)))
          ))
      case "POST /scripts":
        return yield* withBody(
          ScriptBody,
          (b) => Effect.as(sim.script(b.out_trade_no, ...b.outcomes.map(toOutcome)), json({ ok: true }))
        )
      case "POST /behaviour":
        return yield* withBody(BehaviourBody, (b) =>
          Effect.as(
            sim.setBehaviour(
              b.mode === "succeed"
                ? Behaviour.alwaysSucceed
                : b.mode === "always"
                ? Behaviour.always(toOutcome(b.outcome))
                : Behaviour.seeded(b.seed, {
                  pendingRate: b.pending_rate,
                  failRate: b.fail_rate,
                  maxEnquiries: b.max_enquiries
                })
            ),
            json({ ok: true })
          ))
      case "POST /faults":
        return yield* withBody(FaultRuleBody, (b) =>
          Effect.as(
            sim.addFaults({ operation: b.operation, fault: toFault(b.fault), times: b.times }),
            json({ ok: true })
          ))
      case "DELETE /faults":
        return yield* Effect.as(sim.clearFaults, json({ ok: true }))
      case "POST /fault-plan":
        return yield* withBody(FaultPlanBody, (b) =>
          Effect.as(
            sim.setFaultPlan(FaultPlan.seeded(b.seed, { rate: b.rate, operations: b.operations })),
            json({ ok: true })
          ))
      case "POST /rules":
        return yield* withBody(
          RulesBody,
          (b) =>
            Effect.as(
              sim.setRules(Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined))),
              json({ ok: true })
            )
        )
    }
    const settle = /^POST \/transactions\/([^/]+)\/settle$/.exec(route)
    if (settle !== null) {
      return yield* withBody(
        SettleBody,
        (b) =>
          Effect.map(
            sim.settle(decodeURIComponent(settle[1]), { failWith: b.fail_with }),
            Option.match({
              onNone: () => json({ error: "nothing in progress there" }, 404),
              onSome: (t) => json(t)
            })
          )
      )
    }
    const match = /^GET \/transactions\/([^/]+)(\/refunds)?$/.exec(route)
    if (match !== null) {
      const id = decodeURIComponent(match[1])
      if (match[2] !== undefined) {
        const refunds = yield* sim.refundsOf(id)
        return json({ refunds, refunded: yield* sim.refundedTotal(id) })
      }
      return Option.match(yield* sim.transaction(id), {
        onNone: () => json({ error: `no transaction ${id}` }, 404),
        onSome: (t) => json(t)
      })
    }
    return json({ error: `no admin route ${route}` }, 404)
  })

/**
 * The HTTP app serving a simulator.
 *
 * @since 0.1.0
 * @category constructors
 */
export const app = (sim: Simulator.Service) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://sandbox.invalid")
    const path = url.pathname
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) return yield* admin(sim, request, path)
    let raw: string
    if (request.method === "GET") {
      raw = url.search.slice(1)
    } else {
      raw = yield* Effect.orElseSucceed(request.text, () => "")
    }
    const params: Record<string, string> = {}
    for (const [name, value] of new URLSearchParams(raw)) params[name] = value
    const served = yield* sim.serve({ method: request.method, path, params, headers: request.headers, raw })
    if (served._tag === "Lost") {
      // Close the connection without an answer.
      yield* Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.destroy())
      return HttpServerResponse.empty({ status: 500 })
    }
    const { body, headers, status } = served.answer
    return HttpServerResponse.text(body, {
      status,
      headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name !== "content-type")),
      contentType: headers["content-type"] ?? "application/json"
    })
  })

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
      const simulator = yield* Simulator.make(options.simulator)
      const server = yield* NodeHttpServer.make(() => Http.createServer(), { host, port: options.port ?? 0 })
      yield* server.serve(app(simulator))
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

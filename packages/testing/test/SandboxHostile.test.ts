/**
 * The sandbox server under hostile input, on a real loopback server: bad paths, bad JSON, JSON
 * bombs, bad forms, unknown fields, bodies too large, and a long life (bounded log and state).
 * Bad input is a 4xx naming the problem, never a 500; a full sandbox is a 507 saying so.
 */
import { Signature } from "@effect-qfpay/core"
import { Recording, SandboxServer, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Console, Context, Effect, FastCheck as fc, Layer } from "effect"
import { raw, request, upload } from "./wire.js"

const { appCode, clientKey } = Simulator.demoCredential

const signedHeaders = (params: Record<string, string>): ReadonlyArray<readonly [string, string]> => [
  ["x-qf-appcode", appCode],
  ["x-qf-sign", Signature.sign(params, clientKey)]
]

const form = (params: Record<string, string>) => new URLSearchParams(params).toString()

/** Runs `f` against a fresh sandbox built with `options`. */
const withSandbox = <A, E>(
  f: (sandbox: SandboxServer.Service) => Effect.Effect<A, E>,
  options: SandboxServer.Options = {}
) =>
  Effect.scoped(
    Effect.flatMap(Layer.build(SandboxServer.layer(options)), (ctx) => f(Context.get(ctx, SandboxServer.SandboxServer)))
  )

const send = (sandbox: SandboxServer.Service, bytes: Uint8Array | string) =>
  Effect.promise(() => raw(sandbox.port, bytes)).pipe(
    Effect.map((answer) => ({ ...answer, json: safeJson(answer.body) }))
  )

const admin = (sandbox: SandboxServer.Service, method: string, path: string, body?: string) =>
  send(
    sandbox,
    request(method, `/_sandbox${path}`, body === undefined ? [] : [["content-type", "application/json"]], body)
  )

const safeJson = (text: string): any => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const bomb = "[".repeat(10_000) + "]".repeat(10_000)
const MiB = 1024 * 1024

describe("sandbox admin routes under hostile input", () => {
  it.live("bad percent-encoding in a path is a 400 naming it, on every route that takes an id", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        for (
          const [method, path] of [
            ["GET", "/transactions/%E0%A4%A"],
            ["GET", "/transactions/%E0%A4%A/refunds"],
            ["POST", "/transactions/%ZZ/settle"]
          ]
        ) {
          const answer = yield* admin(sandbox, method, path, method === "POST" ? "{}" : undefined)
          expect(answer.status).toBe(400)
          expect(answer.json.error).toMatch(/percent-encoding/)
        }
        expect((yield* admin(sandbox, "GET", "/health")).status).toBe(200)
      })
    ))

  it.live("bad JSON, a JSON bomb, a wrong type and an unknown field are 400s naming the problem", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        const cases: Array<[string, string, RegExp]> = [
          ["/payments", "{\"txamt\": 10", /not JSON/],
          ["/payments", bomb, /nested more than 64 levels deep/],
          ["/scripts", `{"out_trade_no":"A","outcomes":${bomb}}`, /nested more than 64 levels deep/],
          ["/payments", "{\"txamt\": \"ten\"}", /txamt/],
          ["/payments", "{\"txamt\": 1000, \"colour\": \"red\"}", /colour/],
          ["/payments", "{\"txamt\": 1000, \"__proto__\": {\"state\": \"failed\"}}", /__proto__/],
          ["/payments", "[1000]", /must be a JSON object/],
          ["/payments", "{\"txamt\": 1000, \"state\": \"settled\"}", /state/],
          ["/payments", "{\"txamt\": 1000, \"state\": \"pending\", \"code\": \"constructor\"}", /code/],
          ["/scripts", "{\"out_trade_no\":\"A\",\"outcomes\":[{\"outcome\":\"fail\",\"code\":\"toString\"}]}", /code/],
          ["/faults", "{\"fault\":{\"kind\":\"server-error\",\"status\":1000}}", /status/],
          ["/faults", "{\"fault\":{\"kind\":\"latency\",\"millis\":-1}}", /millis/],
          ["/behaviour", "{\"mode\":\"succeed\",\"seed\":1}", /seed/],
          ["/rules", "{\"refundBlackout\":\"yes\"}", /refundBlackout/],
          ["/transactions/X/settle", "{\"fail_with\": 12}", /fail_with/]
        ]
        for (const [path, body, reason] of cases) {
          const answer = yield* admin(sandbox, "POST", path, body)
          expect([path, body.slice(0, 40), answer.status]).toEqual([path, body.slice(0, 40), 400])
          expect(answer.json.error).toMatch(reason)
          expect(answer.json.error).not.toContain("\n")
        }
        // Nothing of that was applied.
        expect((yield* admin(sandbox, "GET", "/transactions")).json).toEqual([])
      })
    ))

  it.live("an unknown admin route is a 404 and a known one with the wrong method a 405", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        const unknown = yield* admin(sandbox, "GET", "/nothing")
        expect([unknown.status, unknown.json.error]).toEqual([404, "no admin route GET /_sandbox/nothing"])
        const wrong = yield* admin(sandbox, "GET", "/payments")
        expect(wrong.status).toBe(405)
        expect(wrong.head.toLowerCase()).toContain("allow: post")
      })
    ))
})

describe("sandbox QFPay routes under hostile input", () => {
  it.live("a form body with bad percent-encoding or in another content type is a 400 in QFPay's format", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        const badForm = yield* send(
          sandbox,
          request("POST", "/trade/v1/refund", [["content-type", "application/x-www-form-urlencoded"]], "syssn=%E0%A4%A")
        )
        expect(badForm.status).toBe(400)
        expect(badForm.json).toMatchObject({ respcd: "1103", resperr: "Request format error" })
        expect(badForm.json.respmsg).toMatch(/percent-encoding/)

        const badQuery = yield* send(sandbox, request("GET", "/trade/v1/close?syssn=%ZZ&txamt=1", []))
        expect([badQuery.status, badQuery.json.respcd]).toEqual([400, "1103"])

        const params = { syssn: "1", txamt: "1", out_trade_no: "R", txdtm: "2026-11-22 10:00:00" }
        const asJson = yield* send(
          sandbox,
          request("POST", "/trade/v1/refund", [["content-type", "application/json"]], JSON.stringify(params))
        )
        expect([asJson.status, asJson.json.respcd]).toEqual([400, "1103"])
        expect(asJson.json.respmsg).toContain("content-type: expected application/x-www-form-urlencoded")
        const notUtf8 = yield* send(
          sandbox,
          request("POST", "/trade/v1/refund", [["content-type", "application/x-www-form-urlencoded"]], "syssn=%FF")
        )
        expect([notUtf8.status, notUtf8.json.respcd]).toEqual([400, "1103"])
      })
    ))

  it.live("a prototype name as a form field is a parameter like any other", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        const params = { __proto__: "x", constructor: "y", syssn: "1", txamt: "1" }
        const entries = Object.entries(params).concat([["__proto__", "x"]])
        const body = entries.map(([k, v]) => `${k}=${v}`).join("&")
        const answer = yield* send(
          sandbox,
          request("POST", "/trade/v1/refund", [
            ["content-type", "application/x-www-form-urlencoded"],
            ["x-qf-appcode", appCode],
            ["x-qf-sign", "00"]
          ], body)
        )
        expect([answer.status, answer.json.respcd]).toEqual([200, "1108"])
        const [entry] = yield* sandbox.simulator.requestLog
        expect(Object.hasOwn(entry.params, "__proto__")).toBe(true)
      })
    ))

  it.live("a request target that is not a path is a 400", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        for (const target of ["http://[", "*", "//_sandbox/health"]) {
          const answer = yield* send(sandbox, request("GET", target, []))
          expect(answer.status).toBeGreaterThanOrEqual(400)
          expect(answer.status).toBeLessThan(500)
        }
      })
    ))
})

describe("sandbox body limit", () => {
  it.live("a 48 MB body is refused with 413 before it is sent, on admin and QFPay routes, and not read", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        for (const path of ["/_sandbox/payments", "/trade/v1/refund"]) {
          const answer = yield* Effect.promise(() => upload(sandbox.port, path, { total: 48 * MiB, chunked: false }))
          expect(answer.status).toBe(413)
          expect(answer.text).toContain("larger than 1048576 bytes")
          expect(answer.sentWhenAnswered).toBeLessThan(answer.total)
          expect(answer.peakGrowth).toBeLessThan(24 * MiB)
        }
        const chunked = yield* Effect.promise(() =>
          upload(sandbox.port, "/_sandbox/payments", { total: 48 * MiB, chunked: true })
        )
        if (chunked.status !== undefined) expect(chunked.status).toBe(413)
        else expect(chunked.error).toMatch(/EPIPE|ECONNRESET|socket hang up/)
        expect(chunked.sentWhenAnswered).toBeLessThan(chunked.total)
        expect(chunked.peakGrowth).toBeLessThan(24 * MiB)
        expect((yield* admin(sandbox, "GET", "/health")).status).toBe(200)
      })
    ))

  it.live("48 bodies of 8 MB leave the sandbox no larger", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        const answers = yield* Effect.forEach(
          Array.from({ length: 48 }),
          () => Effect.promise(() => upload(sandbox.port, "/_sandbox/payments", { total: 8 * MiB, chunked: false })),
          { concurrency: 8 }
        )
        expect(answers.every((a) => a.status === 413 && a.peakGrowth < 24 * MiB)).toBe(true)
      })
    ))

  it.live("the limit is an option, and a QFPay answer says it in QFPay's format", () =>
    withSandbox(
      (sandbox) =>
        Effect.gen(function*() {
          const big = yield* send(
            sandbox,
            request(
              "POST",
              "/trade/v1/refund",
              [["content-type", "application/x-www-form-urlencoded"]],
              "a=" + "x".repeat(300)
            )
          )
          expect(big.status).toBe(413)
          expect(big.json).toMatchObject({ respcd: "1103", respmsg: "the body is larger than 256 bytes" })
          const small = yield* admin(sandbox, "POST", "/payments", "{\"txamt\":1000}")
          expect(small.status).toBe(201)
        }),
      { maxBodyBytes: 256 }
    ))
})

describe("sandbox bounds", () => {
  it.live("the request log keeps the last N entries; their index keeps counting", () =>
    withSandbox(
      (sandbox) =>
        Effect.gen(function*() {
          for (let i = 0; i < 7; i++) {
            const params = { syssn: String(i), txamt: "1", out_trade_no: `R${i}`, txdtm: "2026-11-22 10:00:00" }
            yield* send(
              sandbox,
              request("POST", "/trade/v1/refund", [
                ["content-type", "application/x-www-form-urlencoded"],
                ...signedHeaders(params)
              ], form(params))
            )
          }
          const log = (yield* admin(sandbox, "GET", "/log")).json
          expect(log.map((e: any) => [e.index, e.params.out_trade_no])).toEqual([[4, "R4"], [5, "R5"], [6, "R6"]])
          expect(yield* sandbox.simulator.requestCount).toBe(7)
        }),
      { simulator: { limits: { requestLog: 3 } } }
    ))

  it.live("past the limit of transactions, creating one is a 507 saying so, in QFPay's format on QFPay's routes", () =>
    withSandbox(
      (sandbox) =>
        Effect.gen(function*() {
          const first = yield* admin(sandbox, "POST", "/payments", "{\"txamt\":1000}")
          expect(first.status).toBe(201)
          expect((yield* admin(sandbox, "POST", "/payments", "{\"txamt\":1000}")).status).toBe(201)
          const full = yield* admin(sandbox, "POST", "/payments", "{\"txamt\":1000}")
          expect(full.status).toBe(507)
          expect(full.json.error).toBe(
            "the simulator holds 2 transactions, its limit: start a new one, or raise limits.transactions."
          )
          const payment = {
            out_trade_no: "P3",
            pay_type: "800101",
            txamt: "100",
            txcurrcd: "HKD",
            txdtm: "2026-11-22 10:00:00"
          }
          const refund = {
            syssn: first.json.syssn,
            out_trade_no: "R1",
            txamt: "100",
            txdtm: "2026-11-22 10:00:00"
          }
          for (const [path, params] of [["/trade/v1/payment", payment], ["/trade/v1/refund", refund]] as const) {
            const answer = yield* send(
              sandbox,
              request("POST", path, [
                ["content-type", "application/x-www-form-urlencoded"],
                ...signedHeaders(params)
              ], form(params))
            )
            expect(answer.status).toBe(507)
            expect(answer.json).toMatchObject({ respcd: "1254" })
            expect(answer.json.respmsg).toContain("the simulator holds 2 transactions, its limit")
          }
          // Reading and cancelling still work.
          expect((yield* admin(sandbox, "GET", "/transactions")).json).toHaveLength(2)
          expect(yield* Effect.either(sandbox.simulator.createPayment({ txamt: 5 }))).toMatchObject({
            _tag: "Left",
            left: { _tag: "SimulatorFull", limit: 2 }
          })
        }),
      { simulator: { limits: { transactions: 2 } } }
    ))

  it.live("scripts and faults waiting are bounded too (507), and used ones are forgotten", () =>
    withSandbox(
      (sandbox) =>
        Effect.gen(function*() {
          const three = JSON.stringify({
            out_trade_no: "A",
            outcomes: [{ outcome: "succeed" }, { outcome: "succeed" }, { outcome: "succeed" }]
          })
          const full = yield* admin(sandbox, "POST", "/scripts", three)
          expect(full.status).toBe(507)
          expect(full.json.error).toMatch(/^the sandbox holds 0 scripted outcomes and fault rules waiting/)
          const two = JSON.stringify({ out_trade_no: "A", outcomes: [{ outcome: "succeed" }, { outcome: "succeed" }] })
          expect((yield* admin(sandbox, "POST", "/scripts", two)).status).toBe(200)
          const fault = JSON.stringify({ fault: { kind: "rate-limited" } })
          expect((yield* admin(sandbox, "POST", "/faults", fault)).status).toBe(507)
          expect(yield* sandbox.simulator.queued).toBe(2)
          yield* admin(sandbox, "DELETE", "/faults")
          expect((yield* admin(sandbox, "POST", "/faults", fault)).status).toBe(507)
        }),
      { maxQueued: 2 }
    ))
})

describe("sandbox request log on stderr", () => {
  it.live("each request is logged at info level with method, path, status and respcd, never the key or signature", () => {
    const recording = Recording.make()
    return recording.instrument(withSandbox((sandbox) =>
      Effect.gen(function*() {
        const paid = yield* admin(sandbox, "POST", "/payments", "{\"txamt\":1000}")
        const params = { syssn: paid.json.syssn, txamt: "1", out_trade_no: "R1", txdtm: "2026-11-22 10:00:00" }
        const headers = signedHeaders(params)
        yield* send(
          sandbox,
          request(
            "POST",
            "/trade/v1/refund",
            [["content-type", "application/x-www-form-urlencoded"], ...headers],
            form(params)
          )
        )
        yield* admin(sandbox, "GET", "/transactions/%E0%A4%A")
        const lines = recording.lines.map((l) => JSON.parse(l)).filter((l) => l.message.includes("sandbox request"))
        expect(lines.map((l) => [l.level, Object.fromEntries(l.annotations)])).toEqual([
          ["INFO", { method: "POST", path: "/_sandbox/payments", status: "201" }],
          ["INFO", { method: "POST", path: "/trade/v1/refund", status: "200", respcd: "0000" }],
          ["INFO", { method: "GET", path: "/_sandbox/transactions/%E0%A4%A", status: "400" }]
        ])
        // Neither in the log lines nor in the server's spans.
        const text = recording.text()
        expect(text).not.toContain(clientKey)
        expect(text).not.toContain(headers[1][1])
      })
    ))
  })

  it.live("the stderr logger writes through Console.error", () =>
    Effect.gen(function*() {
      const errors: Array<string> = []
      const logs: Array<string> = []
      const current = yield* Console.consoleWith(Effect.succeed)
      const console: Console.Console = {
        ...current,
        unsafe: {
          ...current.unsafe,
          error: (...args: ReadonlyArray<unknown>) => void errors.push(args.join(" ")),
          log: (...args: ReadonlyArray<unknown>) => void logs.push(args.join(" "))
        }
      }
      yield* Effect.logInfo("sandbox request").pipe(
        Effect.annotateLogs({ method: "GET", path: "/x" }),
        Effect.provide(SandboxServer.stderrLogger),
        Effect.withConsole(console)
      )
      expect(logs).toEqual([])
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/level=INFO .*message="sandbox request"/)
      expect(errors[0]).toContain("method=GET")
      expect(errors[0]).toContain("path=/x")
    }))
})

describe("in-memory and HTTP take the same payment states", () => {
  it.effect("\"paid\", \"pending\" and \"failed\" work in memory, as do the tagged forms", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make()
      expect((yield* sim.createPayment({ txamt: 1, state: "paid" })).respcd).toBe("0000")
      expect((yield* sim.createPayment({ txamt: 1, state: "pending" })).respcd).toBe("1143")
      expect((yield* sim.createPayment({ txamt: 1, state: "failed" })).respcd).toBe("1205")
      expect((yield* sim.createPayment({ txamt: 1, state: { _tag: "Failed", code: "1297" } })).respcd).toBe("1297")
      expect((yield* sim.createPayment({ txamt: 1, state: { _tag: "Paid" } })).respcd).toBe("0000")
    }))
})

describe("sandbox property", () => {
  it.live("random methods, paths, headers and bodies to every route never get a 5xx and never stop it", () =>
    withSandbox((sandbox) =>
      Effect.gen(function*() {
        const result = yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(arbitraryRequest, async (bytes) => {
              const answer = await raw(sandbox.port, bytes)
              if (answer.status === undefined || answer.status >= 500) {
                throw new Error(`answered ${answer.status}: ${answer.head} ${answer.body.slice(0, 300)}`)
              }
            }),
            { numRuns: 400 }
          )
        )
        expect(result).toBeUndefined()
        expect((yield* admin(sandbox, "GET", "/health")).status).toBe(200)
      })
    ))
})

const routes = [
  ["GET", "/_sandbox/"],
  // Without Accept: text/event-stream (never drawn), a 406: a stream would never end.
  ["GET", "/_sandbox/events"],
  ["GET", "/_sandbox/health"],
  ["GET", "/_sandbox/transactions"],
  ["GET", "/_sandbox/transactions/X"],
  ["GET", "/_sandbox/transactions/X/refunds"],
  ["POST", "/_sandbox/transactions/X/settle"],
  ["GET", "/_sandbox/log"],
  ["GET", "/_sandbox/rules"],
  ["POST", "/_sandbox/payments"],
  ["POST", "/_sandbox/scripts"],
  ["POST", "/_sandbox/behaviour"],
  ["POST", "/_sandbox/rules"],
  ["POST", "/_sandbox/fault-plan"],
  ["POST", "/trade/v1/refund"],
  ["POST", "/trade/v1/reversal"],
  ["POST", "/trade/v1/query"],
  ["POST", "/trade/v1/payment"],
  ["GET", "/trade/v1/close"]
] as const

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", "", appCode)
)
const adminBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  // Right names, random values: the schemas' paths, not only JSON.parse's.
  fc.record({
    txamt: fc.oneof(fc.integer(), fc.double(), fc.string()),
    state: fc.oneof(fc.constantFrom("paid", "pending", "failed"), fc.string()),
    code: fc.oneof(fc.stringMatching(/^\d{4}$/), fc.string()),
    settle_after_millis: fc.oneof(fc.integer(), fc.constant(1e308))
  }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.record({
    out_trade_no: fc.string(),
    outcomes: fc.array(fc.record({ outcome: fc.constantFrom("succeed", "pending", "fail", "x"), code: fc.string() }))
  }).map((o) => JSON.stringify(o))
)
const formBody = fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 })), { maxLength: 6 }).map((
  pairs
) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"))
const rawPathSuffix = fc.oneof(
  fc.constant(""),
  fc.constantFrom("/%E0%A4%A", "%", "/%ZZ", "?a=%ZZ", "?syssn=%E0%A4%A", "/..", "/%2e%2e/x", "?", "#"),
  fc.string({ maxLength: 10 }).map(encodeURIComponent)
)

/** A request in bytes to one of the routes or anywhere: random method, path tail, headers and body. */
const arbitraryRequest = fc.record({
  route: fc.oneof(fc.constantFrom(...routes), fc.tuple(fc.constantFrom("GET", "PUT", "DELETE", "HEAD"), fc.webPath())),
  methodSwap: fc.option(fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")),
  suffix: rawPathSuffix,
  headers: fc.array(fc.tuple(token, headerValue), { maxLength: 5 }),
  contentType: fc.option(fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain")),
  body: fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    adminBody.map((s) => new TextEncoder().encode(s)),
    formBody.map((s) => new TextEncoder().encode(s))
  ),
  signed: fc.boolean()
}).map(({ body, contentType, headers, methodSwap, route: [method, path], signed, suffix }) =>
  request(
    methodSwap ?? method,
    path + suffix,
    [
      ...headers.filter(([name]) => !["content-length", "transfer-encoding", "connection", "host"].includes(name)),
      ...(contentType === null ? [] : [["content-type", contentType] as const]),
      ...(signed ? [["x-qf-appcode", appCode] as const, ["x-qf-sign", "0".repeat(32)] as const] : [])
    ],
    method === "HEAD" ? "" : body
  )
)

import { close, Endpoint, QFPayConfig, query, refund, reverse, Signature, Transport, undo } from "@effect-qfpay/core"
import { Environment, NodeTransport } from "@effect-qfpay/http"
import { FaultPlan, Recording, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Context, Effect, Either, Exit, Fiber, Layer, Option, Queue, Redacted } from "effect"
import { createHash } from "node:crypto"
import * as Net from "node:net"
import { Agent } from "undici"
import { allTransports, bothTransports, loopbackServer, overHttp, silentServer, transports } from "./support.js"

const md5 = (text: string) => createHash("md5").update(Buffer.from(text, "utf8")).digest("hex").toUpperCase()

// Written from the seeds, independently of Signature.sign.
const independentSignature = (params: Record<string, string>, key: string) =>
  md5(Object.keys(params).sort().filter((k) => params[k] !== "").map((k) => `${k}=${params[k]}`).join("&") + key)

for (const transport of allTransports) {
  describe(`over ${transport}`, () => {
    it.live("a refund is a form POST with QFPay's headers and a signature an independent check accepts", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const payment = yield* sim.createPayment({ txamt: 1000 })
        const receipt = yield* refund({ syssn: payment.syssn, txamt: 300, udid: "till 1" })
        expect(receipt.txamt).toBe(300)
        const [entry] = yield* sim.requestLog
        expect([entry.method, entry.path, entry.contentType]).toEqual([
          "POST",
          "/trade/v1/refund",
          "application/x-www-form-urlencoded"
        ])
        expect(entry.appCode).toBe(sim.credential.appCode)
        expect(entry.signType).toBeUndefined()
        const fromBody = Object.fromEntries(new URLSearchParams(entry.raw!))
        expect(fromBody).toEqual(entry.params)
        expect(Object.keys(fromBody).sort()).toEqual(["out_trade_no", "syssn", "txamt", "txdtm", "udid"])
        expect(entry.signature).toBe(independentSignature(fromBody, sim.credential.clientKey))
      }).pipe(Effect.provide(overHttp(transport))))

    it.live("a close is a GET with the parameters in the query string", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const payment = yield* sim.createPayment({ txamt: 300, pay_type: "800208", state: { _tag: "Pending" } })
        const receipt = yield* close({ syssn: payment.syssn, txamt: 300, txdtm: payment.txdtm })
        expect(receipt.operation).toBe("close")
        const entry = (yield* sim.requestLog).find((e) => e.operation === "close")!
        expect(entry.method).toBe("GET")
        expect(Object.fromEntries(new URLSearchParams(entry.raw!))).toEqual({
          syssn: payment.syssn,
          txamt: "300",
          txdtm: payment.txdtm
        })
        expect(entry.signatureOk).toBe(true)
      }).pipe(Effect.provide(overHttp(transport))))
  })
}

for (const transport of bothTransports) {
  describe(`flows over HTTP, ${transport}`, () => {
    it.live("refund, reverse, close, query and undo against the sandbox server", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const paid = yield* sim.createPayment({ txamt: 1000 })
        const mpm = yield* sim.createPayment({ txamt: 500, pay_type: "800101", state: { _tag: "Pending" } })
        const cpm = yield* sim.createPayment({ txamt: 500, pay_type: "800208", state: { _tag: "Pending" } })
        yield* refund({ syssn: paid.syssn, txamt: 400 })
        const rest = yield* undo({ syssn: paid.syssn, txamt: 600 })
        expect(rest._tag).toBe("Refunded")
        expect((yield* reverse({ syssn: mpm.syssn, txamt: 500, txdtm: mpm.txdtm })).operation).toBe("reversal")
        expect((yield* undo({ syssn: cpm.syssn }))._tag).toBe("Cancelled")
        const found = yield* query({ syssn: [paid.syssn, mpm.syssn] })
        expect(found.rows.map((r) => r.cancel).sort()).toEqual([2, 3])
        expect(yield* sim.refundedTotal(paid.syssn)).toBe(1000)
      }).pipe(Effect.provide(overHttp(transport))))

    it.live("in progress, then polled to settlement over HTTP", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const payment = yield* sim.createPayment({ txamt: 1000 })
        yield* sim.setBehaviour({
          decide: () => ({
            _tag: "Pending",
            code: "1145",
            settles: { _tag: "AfterEnquiries", count: 3 },
            failWith: undefined
          })
        })
        const receipt = yield* refund({ syssn: payment.syssn, txamt: 1000 })
        expect(receipt.enquiries).toBe(3)
        expect((yield* sim.requestLog).filter((e) => e.operation === "query")).toHaveLength(3)
      }).pipe(Effect.provide(overHttp(transport))))

    it.live("a refund whose connection drops after it was applied ends with one refund", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const payment = yield* sim.createPayment({ txamt: 1000 })
        yield* sim.addFaults({ operation: "refund", fault: FaultPlan.lostAfter })
        const receipt = yield* refund({ syssn: payment.syssn, txamt: 1000 })
        expect(receipt.confirmed_by).toBe("enquiry")
        expect(yield* sim.refundsOf(payment.syssn)).toHaveLength(1)
        expect((yield* sim.requestLog).filter((e) => e.operation === "refund")).toHaveLength(1)
      }).pipe(Effect.provide(overHttp(transport))))

    it.live("429 and 5xx are retried with backoff and the same identifiers", () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const payment = yield* sim.createPayment({ txamt: 1000 })
        yield* sim.addFaults(
          { operation: "refund", fault: FaultPlan.rateLimited(1) },
          { operation: "refund", fault: FaultPlan.serverError(503, false) },
          { operation: "query", fault: FaultPlan.serverError(500, false) }
        )
        yield* refund({ syssn: payment.syssn, txamt: 1000 })
        const log = yield* sim.requestLog
        const refunds = log.filter((e) => e.operation === "refund")
        expect(refunds.map((e) => e.fault)).toEqual(["RateLimited", "ServerError", undefined])
        expect(new Set(refunds.map((e) => e.params.out_trade_no)).size).toBe(1)
        expect(new Set(refunds.map((e) => e.params.txdtm)).size).toBe(1)
        // Retry-After: 1 is honoured; the 5xx (ambiguous) is looked up before the resubmission.
        expect(refunds[1].at - refunds[0].at).toBeGreaterThanOrEqual(1000)
        expect(log.map((e) => e.operation)).toEqual(["refund", "refund", "query", "query", "refund"])
        expect(yield* sim.refundsOf(payment.syssn)).toHaveLength(1)
      }).pipe(Effect.provide(overHttp(transport))))
  })
}

describe("transport failures", () => {
  for (const transport of allTransports) {
    it.live(`${transport}: a timeout is an ambiguous TransportError`, () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const send = yield* Transport.Transport
        yield* sim.addFaults({ operation: "query", fault: FaultPlan.latency(3000) })
        const error = yield* Effect.flip(send.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers: {} }))
        expect([error._tag, error.reason, error.ambiguous]).toEqual(["TransportError", "Timeout", true])
        expect(error.message).toContain("may have reached QFPay")
      }).pipe(Effect.provide(overHttp(transport, { timeout: "200 millis" }))))

    it.live(`${transport}: a refused connection did not reach QFPay; a dropped one may have`, () =>
      Effect.gen(function*() {
        // A port that was free a moment ago: nothing listens there.
        const port = yield* Effect.async<number>((resume) => {
          const server = Net.createServer().listen(0, "127.0.0.1", () => {
            const address = server.address() as Net.AddressInfo
            server.close(() => resume(Effect.succeed(address.port)))
          })
        })
        const refused = yield* Effect.flip(
          Effect.flatMap(Transport.Transport, (t) => t.send({ endpoint: Endpoint.query, params: {}, headers: {} }))
            .pipe(
              Effect.provide(
                transports[transport].layerTransport({ environment: `http://127.0.0.1:${port}` }).pipe(Layer.orDie)
              )
            )
        )
        expect([refused.reason, refused.ambiguous]).toEqual(["Connect", false])

        const dropped = yield* Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          yield* sim.addFaults({ fault: FaultPlan.lostAfter })
          const transport = yield* Transport.Transport
          return yield* Effect.flip(transport.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers: {} }))
        }).pipe(Effect.provide(overHttp(transport)))
        expect([dropped.reason, dropped.ambiguous]).toEqual(["Disconnected", true])
      }))

    it.live(`${transport}: answers are returned whatever their status, with their headers; the programs read them`, () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const transport = yield* Transport.Transport
        yield* sim.addFaults({ fault: FaultPlan.rateLimited(7) }, { fault: FaultPlan.serverError(502, false) }, {
          fault: FaultPlan.nonJson(false)
        })
        const send = transport.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers: {} })
        const limited = yield* send
        expect([limited.status, limited.headers["retry-after"]]).toEqual([429, "7"])
        const failed = yield* send
        expect([failed.status, failed.headers["content-type"]?.startsWith("text/html")]).toEqual([502, true])
        const html = yield* send
        expect([html.status, html.body.startsWith("<html>"), html.headers["content-type"]?.startsWith("text/html")])
          .toEqual([200, true, true])
        // Unsigned: QFPay's answer says so, in JSON.
        const unsigned = yield* send
        expect([unsigned.status, unsigned.headers["content-type"], JSON.parse(unsigned.body).respcd])
          .toEqual([200, "application/json", "1108"])
      }).pipe(Effect.provide(overHttp(transport))))

    it.live(`${transport}: interrupting the fiber aborts the request on the wire`, () =>
      Effect.gen(function*() {
        const server = yield* silentServer
        const layer = transports[transport].layerTransport({ environment: server.url }).pipe(Layer.orDie)
        const fiber = yield* Effect.fork(
          Effect.flatMap(
            Transport.Transport,
            (t) => t.send({ endpoint: Endpoint.refund, params: { syssn: "1", txamt: "1" }, headers: {} })
          ).pipe(Effect.provide(layer))
        )
        expect(yield* Queue.take(server.events)).toBe("request POST /trade/v1/refund")
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)).toBe(true)
        // The client closed its connection: the server sees it go (the test waits for that).
        expect(yield* Queue.take(server.events)).toBe("closed")
      }).pipe(Effect.scoped))
  }

  for (const transport of allTransports) {
    it.live(`${transport}: the body is read whole as UTF-8, headers in lower case, repeated ones joined`, () =>
      Effect.gen(function*() {
        const text = `{"respcd":"0000","resperr":"退款成功 ${"x".repeat(70_000)}"}`
        const server = yield* loopbackServer((response) => {
          response.writeHead(200, [["Content-Type", "application/json"], ["X-Repeated", "a"], ["X-Repeated", "b"]])
          // A byte-order mark, then the text in two chunks that split a character in two.
          const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")])
          const cut = 3 + Buffer.byteLength(`{"respcd":"0000","resperr":"退`) - 1
          response.write(bytes.subarray(0, cut))
          setTimeout(() => response.end(bytes.subarray(cut)), 10)
        })
        const answer = yield* Effect.flatMap(
          Transport.Transport,
          (t) => t.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers: {} })
        ).pipe(Effect.provide(transports[transport].layerTransport({ environment: server.url }).pipe(Layer.orDie)))
        expect(answer.body).toBe(text)
        expect([answer.headers["content-type"], answer.headers["x-repeated"]]).toEqual(["application/json", "a, b"])
      }).pipe(Effect.scoped))

    it.live(`${transport}: the deadline holds inside an uninterruptible region`, () =>
      Effect.gen(function*() {
        const server = yield* silentServer
        const error = yield* Effect.flip(
          Effect.flatMap(Transport.Transport, (t) => t.send({ endpoint: Endpoint.query, params: {}, headers: {} }))
            .pipe(
              Effect.uninterruptible,
              Effect.provide(
                transports[transport].layerTransport({ environment: server.url, timeout: "100 millis" }).pipe(
                  Layer.orDie
                )
              )
            )
        )
        expect([error.reason, error.ambiguous]).toEqual(["Timeout", true])
      }).pipe(Effect.scoped))
  }

  it.live("NodeTransport: a request still waiting for a connection at its deadline was not sent", () =>
    Effect.gen(function*() {
      const server = yield* silentServer
      // One connection, held by a request the server never answers.
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Agent({ connections: 1 })),
        (agent) => Effect.promise(() => agent.destroy())
      )
      agent.dispatch({ origin: server.url, path: "/held", method: "GET" }, {
        onRequestStart: () => {},
        onResponseError: () => {}
      })
      expect(yield* Queue.take(server.events)).toBe("request GET /held")
      const error = yield* Effect.flip(
        Effect.flatMap(Transport.Transport, (t) => t.send({ endpoint: Endpoint.refund, params: {}, headers: {} })).pipe(
          Effect.provide(
            NodeTransport.layerTransport({ environment: server.url, dispatcher: agent, timeout: "200 millis" }).pipe(
              Layer.orDie
            )
          )
        )
      )
      expect([error.reason, error.ambiguous]).toEqual(["Timeout", false])
      expect(error.message).toContain("did not reach QFPay")
      expect(yield* Queue.size(server.events)).toBe(0)
    }).pipe(Effect.scoped))
})

describe("tracing", () => {
  it.live.each(bothTransports)("%s: a client span per request, its signature header redacted; none with tracing off", (
    transport
  ) => {
    const recording = Recording.make()
    return Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const t = yield* Transport.Transport
      const headers = { "X-QF-APPCODE": sim.credential.appCode, "X-QF-SIGN": "0123456789ABCDEF" }
      yield* t.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers })
      yield* Effect.withTracerEnabled(t.send({ endpoint: Endpoint.query, params: { syssn: "2" }, headers }), false)
      const spans = recording.spans.filter((span) => span.includes("http.client"))
      expect(spans).toHaveLength(1)
      expect(spans[0]).toContain("\"http.request.method\",\"POST\"")
      expect(spans[0]).toContain("\"http.response.status_code\",\"200\"")
      expect(spans[0]).toContain("\"http.request.header.x-qf-sign\",\"<redacted>\"")
      expect(recording.text()).not.toContain("0123456789ABCDEF")
    }).pipe(recording.instrument, Effect.provide(overHttp(transport)))
  })
})

describe("configuration", () => {
  const env = (vars: Record<string, string>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars))))
  const build = (vars: Record<string, string>) =>
    Effect.forEach(bothTransports, (transport) =>
      Effect.either(Layer.build(transports[transport].layerConfig())).pipe(
        Effect.scoped,
        Effect.provide(env(vars))
      )).pipe(
        // Both transports read the same variables and say the same.
        Effect.tap(([node, platform]) =>
          expect(Either.isLeft(node) ? String(node.left) : "built").toBe(
            Either.isLeft(platform) ? String(platform.left) : "built"
          )
        ),
        Effect.map(([node]) => node)
      )

  it.effect("reads QFPAY_* from the environment", () =>
    Effect.gen(function*() {
      const ok = yield* build({
        QFPAY_APP_CODE: "APP",
        QFPAY_CLIENT_KEY: "SECRET",
        QFPAY_ENV: "test",
        QFPAY_MCHID: "M1"
      })
      expect(Either.isRight(ok)).toBe(true)
      if (Either.isRight(ok)) {
        const config = Context.get(ok.right, QFPayConfig.QFPayConfig)
        expect(config.mchid).toEqual(Option.some("M1"))
        expect(Redacted.value(config.clientKey)).toBe("SECRET")
        expect(String(config.clientKey)).not.toContain("SECRET")
      }
    }))

  it.effect("a missing or malformed variable is a ConfigError naming it", () =>
    Effect.gen(function*() {
      const missingKey = yield* build({ QFPAY_APP_CODE: "APP", QFPAY_ENV: "test" })
      expect(Either.isLeft(missingKey) && String(missingKey.left)).toContain("QFPAY_CLIENT_KEY")
      const missingEnv = yield* build({ QFPAY_APP_CODE: "APP", QFPAY_CLIENT_KEY: "K" })
      expect(Either.isLeft(missingEnv) && String(missingEnv.left)).toContain("QFPAY_ENV")
      const badEnv = yield* build({ QFPAY_APP_CODE: "APP", QFPAY_CLIENT_KEY: "K", QFPAY_ENV: "staging" })
      expect(Either.isLeft(badEnv) && String(badEnv.left)).toContain("QFPAY_ENV")
      const badSign = yield* build({
        QFPAY_APP_CODE: "APP",
        QFPAY_CLIENT_KEY: "K",
        QFPAY_ENV: "test",
        QFPAY_SIGN_TYPE: "SHA1"
      })
      expect(Either.isLeft(badSign) && String(badSign.left)).toContain("QFPAY_SIGN_TYPE")
      expect(Either.isLeft(badSign) && String(badSign.left)).not.toContain("\"K\"")
    }))

  it("knows QFPay's hosts and accepts any base URL", () => {
    expect(Environment.resolve("production")).toEqual(Either.right("https://openapi-hk.qfapi.com"))
    expect(Environment.resolve("test")).toEqual(Either.right("https://test-openapi-hk.qfapi.com"))
    expect(Environment.resolve("sandbox")).toEqual(Either.right("https://openapi-int.qfapi.com"))
    expect(Environment.resolve("https://openapi-sg.qfapi.com/")).toEqual(Either.right("https://openapi-sg.qfapi.com"))
    expect(Environment.resolve("http://127.0.0.1:8080")).toEqual(Either.right("http://127.0.0.1:8080"))
    expect(Either.isLeft(Environment.resolve("staging"))).toBe(true)
    expect(Either.isLeft(Environment.resolve("ftp://example.com"))).toBe(true)
    expect(Either.isLeft(Environment.resolve("https://example.com/?a=1"))).toBe(true)
  })
})

describe("SHA-256", () => {
  it.live.each(bothTransports)(
    "%s: sends X-QF-SIGNTYPE: SHA256 and a SHA-256 signature the server accepts",
    (transport) =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const payment = yield* sim.createPayment({ txamt: 1000 })
        yield* refund({ syssn: payment.syssn, txamt: 1 })
        const [entry] = yield* sim.requestLog
        expect(entry.signType).toBe("SHA256")
        expect(entry.signature).toMatch(/^[0-9A-F]{64}$/)
        expect(entry.signature).toBe(Signature.sign(entry.params, sim.credential.clientKey, "SHA256"))
      }).pipe(Effect.provide(overHttp(transport, { signType: "SHA256" })))
  )
})

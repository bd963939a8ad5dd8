import { close, Endpoint, QFPayConfig, query, refund, reverse, Signature, Transport, undo } from "@effect-qfpay/core"
import { Environment, HttpTransport } from "@effect-qfpay/http"
import { FaultPlan, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import * as Net from "node:net"
import { clients, overHttp } from "./support.js"

const md5 = (text: string) => createHash("md5").update(Buffer.from(text, "utf8")).digest("hex").toUpperCase()

// Written from the seeds, independently of Signature.sign.
const independentSignature = (params: Record<string, string>, key: string) =>
  md5(Object.keys(params).sort().filter((k) => params[k] !== "").map((k) => `${k}=${params[k]}`).join("&") + key)

for (const client of Object.keys(clients) as Array<keyof typeof clients>) {
  describe(`over ${client}`, () => {
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
      }).pipe(Effect.provide(overHttp(client))))

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
      }).pipe(Effect.provide(overHttp(client))))
  })
}

describe("flows over HTTP", () => {
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
    }).pipe(Effect.provide(overHttp())))

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
    }).pipe(Effect.provide(overHttp())))

  it.live("a refund whose connection drops after it was applied ends with one refund", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const payment = yield* sim.createPayment({ txamt: 1000 })
      yield* sim.addFaults({ operation: "refund", fault: FaultPlan.lostAfter })
      const receipt = yield* refund({ syssn: payment.syssn, txamt: 1000 })
      expect(receipt.confirmed_by).toBe("enquiry")
      expect(yield* sim.refundsOf(payment.syssn)).toHaveLength(1)
      expect((yield* sim.requestLog).filter((e) => e.operation === "refund")).toHaveLength(1)
    }).pipe(Effect.provide(overHttp())))

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
    }).pipe(Effect.provide(overHttp())))
})

describe("transport failures", () => {
  it.live("a timeout is an ambiguous TransportError", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const transport = yield* Transport.Transport
      yield* sim.addFaults({ operation: "query", fault: FaultPlan.latency(3000) })
      const error = yield* Effect.flip(
        transport.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers: {} })
      )
      expect([error._tag, error.reason, error.ambiguous]).toEqual(["TransportError", "Timeout", true])
    }).pipe(Effect.provide(overHttp("undici", { timeout: "200 millis" }))))

  for (const client of Object.keys(clients) as Array<keyof typeof clients>) {
    it.live(`${client}: a refused connection did not reach QFPay; a dropped one may have`, () =>
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
                HttpTransport.layerTransport({ environment: `http://127.0.0.1:${port}` }).pipe(
                  Layer.provide(clients[client]),
                  Layer.orDie
                )
              )
            )
        )
        expect([refused.reason, refused.ambiguous]).toEqual(["Connect", false])

        const dropped = yield* Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          yield* sim.addFaults({ fault: FaultPlan.lostAfter })
          const transport = yield* Transport.Transport
          return yield* Effect.flip(transport.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers: {} }))
        }).pipe(Effect.provide(overHttp(client)))
        expect([dropped.reason, dropped.ambiguous]).toEqual(["Disconnected", true])
      }))
  }

  it.live("answers are returned whatever their status; the programs read them", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const transport = yield* Transport.Transport
      yield* sim.addFaults({ fault: FaultPlan.rateLimited(7) }, { fault: FaultPlan.serverError(502, false) }, {
        fault: FaultPlan.nonJson(false)
      })
      const send = transport.send({ endpoint: Endpoint.query, params: { syssn: "1" }, headers: {} })
      const limited = yield* send
      expect([limited.status, limited.headers["retry-after"]]).toEqual([429, "7"])
      expect((yield* send).status).toBe(502)
      const html = yield* send
      expect([html.status, html.body.startsWith("<html>")]).toEqual([200, true])
    }).pipe(Effect.provide(overHttp())))
})

describe("configuration", () => {
  const env = (vars: Record<string, string>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars))))
  const build = (vars: Record<string, string>) =>
    Effect.either(Layer.build(HttpTransport.layerConfig().pipe(Layer.provide(clients.undici)))).pipe(
      Effect.scoped,
      Effect.provide(env(vars))
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
  it.live("sends X-QF-SIGNTYPE: SHA256 and a SHA-256 signature the server accepts", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const payment = yield* sim.createPayment({ txamt: 1000 })
      yield* refund({ syssn: payment.syssn, txamt: 1 })
      const [entry] = yield* sim.requestLog
      expect(entry.signType).toBe("SHA256")
      expect(entry.signature).toMatch(/^[0-9A-F]{64}$/)
      expect(entry.signature).toBe(Signature.sign(entry.params, sim.credential.clientKey, "SHA256"))
    }).pipe(Effect.provide(overHttp("undici", { signType: "SHA256" }))))
})

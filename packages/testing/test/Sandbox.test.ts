/**
 * The sandbox server over real HTTP, driven by a plain `fetch` client that signs with the
 * seeds' algorithm: what any non-Effect client sees.
 */
import { Signature } from "@effect-qfpay/core"
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { admin } from "./support.js"

const { appCode, clientKey } = Simulator.demoCredential

const signed = (params: Record<string, string>) => ({
  "X-QF-APPCODE": appCode,
  "X-QF-SIGN": Signature.sign(params, clientKey)
})

const post = (url: string, path: string, params: Record<string, string>, headers = signed(params)) =>
  Effect.promise(() =>
    fetch(url + path, {
      method: "POST",
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params).toString()
    }).then(async (r) => ({ status: r.status, body: await r.text(), headers: r.headers }))
  )

const get = (url: string, path: string, params: Record<string, string>) =>
  Effect.promise(() =>
    fetch(`${url}${path}?${new URLSearchParams(params)}`, { headers: signed(params) }).then(async (r) => ({
      status: r.status,
      body: await r.text()
    }))
  )

const sandbox = SandboxServer.layer()

describe("sandbox server", () => {
  it.live("serves refunds as form POSTs and close as a GET query string", () =>
    Effect.gen(function*() {
      const { simulator, url } = yield* SandboxServer.SandboxServer
      const created = yield* admin(url, "/payments", { txamt: 1000 })
      expect(created.status).toBe(201)
      const syssn = created.json.syssn
      const params = { syssn, txamt: "250", out_trade_no: "HTTP-R1", txdtm: "2026-11-22 10:00:00" }
      const answer = yield* post(url, "/trade/v1/refund", params)
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(JSON.parse(answer.body)).toMatchObject({ respcd: "0000", orig_syssn: syssn, txamt: "250" })

      const unpaid = yield* admin(url, "/payments", { txamt: 300, pay_type: "800208", state: "pending" })
      const close = yield* get(url, "/trade/v1/close", {
        syssn: unpaid.json.syssn,
        txamt: "300",
        txdtm: unpaid.json.txdtm
      })
      expect(JSON.parse(close.body).respcd).toBe("0000")

      const log = yield* simulator.requestLog
      expect(log.map((e) => [e.method, e.path, e.signatureOk])).toEqual([
        ["POST", "/trade/v1/refund", true],
        ["GET", "/trade/v1/close", true]
      ])
      expect(log[0].contentType).toBe("application/x-www-form-urlencoded")
      expect(log[0].params).toEqual(params)
      expect(log[1].raw).toContain("syssn=")
    }).pipe(Effect.provide(sandbox)))

  it.live("verifies signatures as the seeds define them: raw values, sorted, key appended", () =>
    Effect.gen(function*() {
      const { url } = yield* SandboxServer.SandboxServer
      const created = yield* admin(url, "/payments", { txamt: 1000 })
      // Values with spaces, & and = travel form-encoded but are signed raw.
      const params = { syssn: created.json.syssn, txamt: "1", out_trade_no: "A&B=C D", txdtm: "2026-11-22 10:00:00" }
      expect(JSON.parse((yield* post(url, "/trade/v1/refund", params)).body).respcd).toBe("0000")
      const lower = {
        ...signed({ ...params, out_trade_no: "X" }),
        "X-QF-SIGN": Signature.sign({ ...params, out_trade_no: "X" }, clientKey).toLowerCase()
      }
      expect(JSON.parse((yield* post(url, "/trade/v1/refund", { ...params, out_trade_no: "X" }, lower)).body).respcd)
        .toBe("0000")
      const tampered = yield* post(
        url,
        "/trade/v1/refund",
        { ...params, txamt: "2", out_trade_no: "Y" },
        signed(params)
      )
      expect(JSON.parse(tampered.body).respcd).toBe("1108")
    }).pipe(Effect.provide(sandbox)))

  it.live("admin routes script behaviours and faults, and show state", () =>
    Effect.gen(function*() {
      const { url } = yield* SandboxServer.SandboxServer
      const created = yield* admin(url, "/payments", { txamt: 1000 })
      const syssn = created.json.syssn
      expect(
        (yield* admin(url, "/scripts", { out_trade_no: "S1", outcomes: [{ outcome: "pending", after_enquiries: 1 }] }))
          .status
      )
        .toBe(200)
      const pending = yield* post(url, "/trade/v1/refund", {
        syssn,
        txamt: "100",
        out_trade_no: "S1",
        txdtm: "2026-11-22 10:00:00"
      })
      expect(JSON.parse(pending.body).respcd).toBe("1145")
      const query = yield* post(url, "/trade/v1/query", { out_trade_no: "S1" })
      expect(JSON.parse(query.body).data[0].respcd).toBe("0000")

      yield* admin(url, "/faults", { operation: "refund", fault: { kind: "rate-limited", retry_after: 2 } })
      const limited = yield* post(url, "/trade/v1/refund", {
        syssn,
        txamt: "100",
        out_trade_no: "S2",
        txdtm: "2026-11-22 10:00:00"
      })
      expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "2"])

      yield* admin(url, "/faults", { operation: "refund", fault: { kind: "lost-after" } })
      const lost = yield* Effect.either(Effect.tryPromise(() =>
        fetch(`${url}/trade/v1/refund`, {
          method: "POST",
          headers: {
            ...signed({ syssn, txamt: "100", out_trade_no: "S3", txdtm: "2026-11-22 10:00:00" }),
            "content-type": "application/x-www-form-urlencoded"
          },
          body: new URLSearchParams({ syssn, txamt: "100", out_trade_no: "S3", txdtm: "2026-11-22 10:00:00" })
            .toString()
        })
      ))
      expect(lost._tag).toBe("Left")

      const refunds = yield* admin(url, `/transactions/${syssn}/refunds`)
      expect(refunds.json.refunded).toBe(200)
      expect(refunds.json.refunds.map((r: any) => r.out_trade_no)).toEqual(["S1", "S3"])
      expect((yield* admin(url, "/transactions/nope")).status).toBe(404)
      expect((yield* admin(url, "/payments", { txamt: -1 })).status).toBe(400)
      expect((yield* admin(url, "/log")).json.length).toBe(4)
    }).pipe(Effect.provide(sandbox)))

  it.live("answers HTTP errors for a wrong method and an unknown path", () =>
    Effect.gen(function*() {
      const { url } = yield* SandboxServer.SandboxServer
      expect((yield* get(url, "/trade/v1/refund", {})).status).toBe(405)
      expect((yield* post(url, "/trade/v1/unknown", {})).status).toBe(404)
    }).pipe(Effect.provide(sandbox)))

  it.live("two sandboxes do not share state", () =>
    Effect.gen(function*() {
      const a = Context.get(yield* Layer.build(Layer.fresh(sandbox)), SandboxServer.SandboxServer)
      const b = Context.get(yield* Layer.build(Layer.fresh(sandbox)), SandboxServer.SandboxServer)
      expect(a.url).not.toBe(b.url)
      const created = yield* admin(a.url, "/payments", { txamt: 1000 })
      expect(Option.isNone(yield* b.simulator.transaction(created.json.syssn))).toBe(true)
    }).pipe(Effect.scoped))
})

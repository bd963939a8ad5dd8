import { NotificationHandler } from "@effect-qfpay/http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpServer from "@effect/platform/HttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted } from "effect"
import { createHash } from "node:crypto"
import * as Http from "node:http"

const KEY = "3ABB1BFFE2E0497BB9270978B0BXXXXX"

// QFPay's own sample, serialised the way Python's json.dumps does (spaces after : and ,).
const body =
  `{"status": "1", "pay_type": "800101", "sysdtm": "2020-05-14 12:32:56", "paydtm": "2020-05-14 12:33:56", "goods_name": "\\u5546\\u54c1", "txcurrcd": "HKD", "txdtm": "2020-05-14 12:32:56", "mchid": "lkbqahlRYj", "txamt": "10", "exchange_rate": "", "chnlsn2": "", "out_trade_no": "YEPE7WTW46NVU30JW5N90H7DHD94N56B", "syssn": "20200514000300020093755455", "cash_fee_type": "", "cancel": "0", "respcd": "0000", "goods_info": "", "cash_fee": "0", "notify_type": "payment", "chnlsn": "2020051422001453561444935817", "cardcd": "2088032341453564"}`

const sign = (raw: string | Uint8Array, key = KEY) =>
  createHash("md5").update(Buffer.concat([Buffer.from(raw), Buffer.from(key)])).digest("hex").toUpperCase()

const received: Array<string> = []
let failNext = false

const server = Layer.unwrapEffect(Effect.sync(() =>
  HttpServer.serve(
    NotificationHandler.handler({
      clientKey: Redacted.make(KEY),
      onNotification: (notification, identity) =>
        Effect.suspend(() => {
          if (failNext) {
            failNext = false
            return Effect.fail("database down")
          }
          received.push(`${identity} ${notification.txamt}`)
          return Effect.void
        })
    })
  )
)).pipe(Layer.provideMerge(NodeHttpServer.layer(() => Http.createServer(), { port: 0, host: "127.0.0.1" })))

const deliver = (raw: string, signature?: string) =>
  Effect.flatMap(HttpServer.HttpServer, (s) =>
    Effect.promise(async () => {
      const address = s.address as HttpServer.TcpAddress
      const response = await fetch(`http://127.0.0.1:${address.port}/qfpay/notify`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(signature === undefined ? {} : { "X-QF-SIGN": signature }) },
        body: raw
      })
      return { status: response.status, text: await response.text() }
    }))

describe("NotificationHandler", () => {
  it.live("answers SUCCESS to a valid notification, after the handler ran, with its identity", () =>
    Effect.gen(function*() {
      received.length = 0
      expect(yield* deliver(body, sign(body))).toEqual({ status: 200, text: "SUCCESS" })
      expect(received).toEqual(["payment:20200514000300020093755455 10"])
    }).pipe(Effect.provide(server)))

  it.live("accepts a lower-case signature", () =>
    Effect.gen(function*() {
      expect((yield* deliver(body, sign(body).toLowerCase())).text).toBe("SUCCESS")
    }).pipe(Effect.provide(server)))

  it.live("refuses a tampered body, a wrong key, a missing signature and a non-JSON body with 400", () =>
    Effect.gen(function*() {
      received.length = 0
      const tampered = body.replace(`"txamt": "10"`, `"txamt": "99"`)
      const refused = [
        yield* deliver(tampered, sign(body)),
        yield* deliver(body, sign(body, "ANOTHERKEY")),
        yield* deliver(body),
        yield* deliver("not json", sign("not json")),
        yield* deliver(`{"notify_type":"payment"}`, sign(`{"notify_type":"payment"}`))
      ]
      expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400])
      expect(refused.every((r) => r.text !== "SUCCESS")).toBe(true)
      expect(refused[0].text).toContain("signature")
      expect(refused.map((r) => r.text).join("\n")).not.toContain(KEY)
      expect(received).toEqual([])
    }).pipe(Effect.provide(server)))

  it.live("does not answer SUCCESS when the handler fails, so QFPay delivers again", () =>
    Effect.gen(function*() {
      received.length = 0
      failNext = true
      expect((yield* deliver(body, sign(body))).status).toBe(500)
      expect(yield* deliver(body, sign(body))).toEqual({ status: 200, text: "SUCCESS" })
      expect(received).toHaveLength(1)
    }).pipe(Effect.provide(server)))

  it("verifies the raw bytes, never a re-serialised object", () => {
    const bytes = new TextEncoder().encode(body)
    expect(Either.isRight(NotificationHandler.verifyBody(bytes, sign(body), KEY))).toBe(true)
    const reserialised = JSON.stringify(JSON.parse(body))
    expect(Either.isLeft(NotificationHandler.verifyBody(new TextEncoder().encode(reserialised), sign(body), KEY))).toBe(
      true
    )
  })

  it("decodes refund notifications and gives them their own identity", () => {
    const refund = JSON.stringify({
      notify_type: "refund",
      syssn: "20200514000300020093755456",
      orig_syssn: "20200514000300020093755455",
      txamt: "10",
      respcd: "0000"
    })
    const verified = NotificationHandler.verifyBody(new TextEncoder().encode(refund), sign(refund), Redacted.make(KEY))
    expect(Either.isRight(verified) && verified.right.identity).toBe("refund:20200514000300020093755456")
    expect(
      Either.isRight(verified) && verified.right.notification.notify_type === "refund" &&
        verified.right.notification.orig_syssn
    )
      .toBe("20200514000300020093755455")
  })
})

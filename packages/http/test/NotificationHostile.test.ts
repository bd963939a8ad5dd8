/**
 * The notification handler under hostile input, on a real loopback server: bodies too large
 * (refused while streaming), JSON bombs, wrong content types, bytes that are not UTF-8, and
 * random requests. Bad input is a 400 (or 413) with one line of reason, never a 500: a 500
 * tells QFPay to deliver again, which only "your effect failed" should.
 */
import { NotificationHandler } from "@effect-qfpay/http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpServer from "@effect/platform/HttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer, Redacted } from "effect"
import { createHash } from "node:crypto"
import * as Http from "node:http"
import { raw, request, upload } from "../../testing/test/wire.js"

const KEY = "3ABB1BFFE2E0497BB9270978B0BXXXXX"
const sign = (body: string | Uint8Array, key = KEY) =>
  createHash("md5").update(Buffer.concat([Buffer.from(body), Buffer.from(key)])).digest("hex").toUpperCase()

const valid = JSON.stringify({
  notify_type: "payment",
  syssn: "20200514000300020093755455",
  out_trade_no: "ORDER-1",
  txamt: "10",
  respcd: "0000"
})

const received: Array<string> = []

const serve = (options: Partial<NotificationHandler.HandlerOptions<never, never>> = {}) =>
  HttpServer.serve(
    NotificationHandler.handler({
      clientKey: Redacted.make(KEY),
      onNotification: (_, identity) => Effect.sync(() => void received.push(identity)),
      ...options
    })
  ).pipe(Layer.provideMerge(NodeHttpServer.layer(() => Http.createServer(), { port: 0, host: "127.0.0.1" })))

const port = Effect.map(HttpServer.HttpServer, (s) => (s.address as HttpServer.TcpAddress).port)

const deliver = (body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string>) =>
  Effect.flatMap(port, (p) =>
    Effect.promise(async () => {
      const response = await fetch(`http://127.0.0.1:${p}/qfpay/notify`, { method: "POST", headers, body })
      return { status: response.status, text: await response.text() }
    }))

const signed = (body: string | Uint8Array, contentType = "application/json") => ({
  "content-type": contentType,
  "x-qf-sign": sign(body)
})

const MiB = 1024 * 1024

describe("NotificationHandler under hostile input", () => {
  it.live("a 48 MB body with a Content-Length is refused with 413 before it is sent, without reading it", () =>
    Effect.gen(function*() {
      const p = yield* port
      const answer = yield* Effect.promise(() =>
        upload(p, "/qfpay/notify", { total: 48 * MiB, chunked: false, headers: { "x-qf-sign": "00" } })
      )
      expect(answer.status).toBe(413)
      expect(answer.text).toMatch(/larger than 65536 bytes/)
      // The answer came while the client was still sending: nothing waited for the whole body.
      expect(answer.sentWhenAnswered).toBeLessThan(answer.total)
      // The body was never held (the old handler grew by several times its size).
      expect(answer.peakGrowth).toBeLessThan(24 * MiB)
      // And the server is still there.
      expect((yield* deliver(valid, signed(valid))).status).toBe(200)
    }).pipe(Effect.provide(serve())))

  it.live("a 48 MB chunked body (no Content-Length) stops being read once past the limit", () =>
    Effect.gen(function*() {
      const p = yield* port
      const answer = yield* Effect.promise(() =>
        upload(p, "/qfpay/notify", { total: 48 * MiB, chunked: true, headers: { "x-qf-sign": "00" } })
      )
      // The platform stops reading at the limit and closes the connection (see NotificationHandler's
      // documentation): the client sees a 413 or a reset, never a completed upload.
      if (answer.status !== undefined) expect(answer.status).toBe(413)
      else expect(answer.error).toMatch(/EPIPE|ECONNRESET|socket hang up/)
      expect(answer.sentWhenAnswered).toBeLessThan(answer.total)
      expect(answer.peakGrowth).toBeLessThan(24 * MiB)
      expect((yield* deliver(valid, signed(valid))).status).toBe(200)
    }).pipe(Effect.provide(serve())))

  it.live("the limit is an option", () =>
    Effect.gen(function*() {
      const padded = JSON.stringify({ ...JSON.parse(valid), goods_info: "x".repeat(200) })
      const refused = yield* deliver(padded, signed(padded))
      expect(refused.status).toBe(413)
      expect(refused.text).toBe("invalid QFPay notification: the body is larger than 128 bytes")
    }).pipe(Effect.provide(serve({ maxBodyBytes: 128 }))))

  it.live("a signed JSON bomb (10 000 nested arrays) is a 400 naming the nesting, at the top or in a field", () =>
    Effect.gen(function*() {
      const bomb = "[".repeat(10_000) + "]".repeat(10_000)
      const inField =
        `{"notify_type":"payment","syssn":"20200514000300020093755455","txamt":"10","respcd":"0000","status":${bomb}}`
      for (const body of [bomb, inField, `{"a":${bomb.replaceAll("[", "{\"a\":").replaceAll("]", "}")}}`]) {
        const answer = yield* deliver(body, signed(body))
        expect(answer.status).toBe(400)
        expect(answer.text).toMatch(/nested more than 64 levels deep/)
      }
      // 64 levels is fine as JSON (and then not a notification).
      const deep = "[".repeat(64) + "]".repeat(64)
      expect((yield* deliver(deep, signed(deep))).text).not.toMatch(/nested/)
    }).pipe(Effect.provide(serve())))

  it.live("the signature is checked over the raw bytes before any parsing", () =>
    Effect.gen(function*() {
      const bomb = "[".repeat(10_000) + "]".repeat(10_000)
      for (const body of [bomb, "not json", valid]) {
        const answer = yield* deliver(body, { "content-type": "application/json", "x-qf-sign": sign(body, "OTHER") })
        expect(answer.status).toBe(400)
        expect(answer.text).toMatch(/signature/)
      }
    }).pipe(Effect.provide(serve())))

  it.live("a wrong or missing content type is a 400 naming what is expected", () =>
    Effect.gen(function*() {
      for (
        const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
      ) {
        const answer = yield* deliver(valid, signed(valid, contentType))
        expect(answer.status).toBe(400)
        expect(answer.text).toContain("content-type: expected application/json")
      }
      const p = yield* port
      const none = yield* Effect.promise(() =>
        raw(p, request("POST", "/qfpay/notify", [["x-qf-sign", sign(valid)]], valid))
      )
      expect(none.status).toBe(400)
      expect(none.body).toContain("content-type: expected application/json")
      // Parameters and case do not matter.
      expect((yield* deliver(valid, signed(valid, "Application/JSON; charset=utf-8"))).status).toBe(200)
    }).pipe(Effect.provide(serve())))

  it.live("bytes that are not UTF-8, empty bodies and JSON that is not a notification are 400s of one line", () =>
    Effect.gen(function*() {
      const bodies: Array<string | Uint8Array<ArrayBuffer>> = [
        new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
        "",
        "null",
        "{\"notify_type\":\"payment\"",
        "[1,2,3]",
        "{\"notify_type\":\"payment\",\"syssn\":\"1\",\"txamt\":\"abc\",\"respcd\":\"0000\"}",
        "{\"__proto__\":{\"notify_type\":\"payment\"},\"constructor\":1}"
      ]
      for (const body of bodies) {
        const answer = yield* deliver(body, signed(body))
        expect(answer.status).toBe(400)
        expect(answer.text).toMatch(/^invalid QFPay notification: [^\n]+$/)
      }
    }).pipe(Effect.provide(serve())))

  it.live("the effect failing is still a 500, so QFPay delivers again", () =>
    Effect.gen(function*() {
      expect((yield* deliver(valid, signed(valid))).status).toBe(500)
    }).pipe(Effect.provide(serve({ onNotification: () => Effect.fail("database down" as never) }))))

  it.live("property: random bytes, headers and paths never get a 5xx and never stop the server", () =>
    Effect.gen(function*() {
      const p = yield* port
      const runs = yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(arbitraryRequest, async (bytes) => {
            const answer = await raw(p, bytes)
            if (answer.status === undefined || answer.status >= 500) {
              throw new Error(`answered ${answer.status}: ${answer.head} ${answer.body}`)
            }
          }),
          { numRuns: 300 }
        )
      )
      expect(runs).toBeUndefined()
      expect((yield* deliver(valid, signed(valid))).status).toBe(200)
    }).pipe(Effect.provide(serve())))
})

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom("application/json", "text/plain", "application/json; charset=latin1", "", "*/*")
)
const json = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.constantFrom(valid, "[".repeat(500) + "]".repeat(500), "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")
)

/** A request in bytes: a random method, path, headers and body, signed correctly half the time. */
const arbitraryRequest = fc.record({
  method: fc.constantFrom("POST", "GET", "PUT", "DELETE", "OPTIONS", "PATCH"),
  path: fc.oneof(
    fc.constant("/qfpay/notify"),
    fc.webPath(),
    fc.string({ maxLength: 30 }).map((s) => "/" + encodeURIComponent(s)),
    fc.constantFrom("/%E0%A4%A", "/%", "/%%", "/..%2f..", "/?a=%ZZ")
  ),
  headers: fc.array(fc.tuple(token, headerValue), { maxLength: 6 }),
  contentType: fc.option(fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded")),
  body: fc.oneof(fc.uint8Array({ maxLength: 300 }), json.map((s) => new TextEncoder().encode(s))),
  sign: fc.constantFrom("right", "wrong", "none")
}).map(({ body, contentType, headers, method, path, sign: how }) =>
  request(
    method,
    path,
    [
      ...headers.filter(([name]) => !["content-length", "transfer-encoding", "connection", "host"].includes(name)),
      ...(contentType === null ? [] : [["content-type", contentType] as const]),
      ...(how === "none" ? [] : [["x-qf-sign", how === "right" ? sign(body) : sign(body, "WRONG")] as const])
    ],
    body
  )
)

/**
 * The sandbox's dashboard without a browser: the page and its Content-Security-Policy, and the
 * server-sent events that keep it live, read with `fetch` as an `EventSource` would: a snapshot
 * first, another at each change, heartbeats in the quiet, a bounded number of streams, and every
 * stream ended when the sandbox stops. The simulator's change counter underneath, in memory.
 */
import { Signature } from "@effect-qfpay/core"
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Option, Scope } from "effect"
import { admin } from "./support.js"

const { appCode, clientKey } = Simulator.demoCredential

const build = (options: SandboxServer.Options = {}) =>
  Effect.map(
    Layer.build(SandboxServer.layer({ logRequests: false, ...options })),
    (ctx) => Context.get(ctx, SandboxServer.SandboxServer)
  )

const refund = (url: string, params: Record<string, string>) =>
  Effect.promise(() =>
    fetch(`${url}/trade/v1/refund`, {
      method: "POST",
      headers: {
        "x-qf-appcode": appCode,
        "x-qf-sign": Signature.sign(params, clientKey),
        "content-type": "application/x-www-form-urlencoded"
      },
      body: new URLSearchParams(params).toString()
    }).then((r) => r.json() as Promise<any>)
  )

interface Message {
  /** `snapshot`, or `comment` for a line starting with a colon (a heartbeat). */
  readonly event: string
  readonly id?: string
  readonly data: string
}

/** One stream of `GET /_sandbox/events`, read message by message; closed with the scope. */
const events = (url: string, accept = "text/event-stream") =>
  Effect.gen(function*() {
    const abort = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => abort.abort()))
    const response = yield* Effect.promise(() =>
      fetch(`${url}/_sandbox/events`, { headers: { accept }, signal: abort.signal })
    )
    let reader: ReadableStreamDefaultReader<string> | undefined
    let buffer = ""
    /** The next message; `undefined` once the stream ended. Fails the test after `within` ms. */
    const next = (within = 5_000): Effect.Effect<Message | undefined> =>
      Effect.promise(async () => {
        for (;;) {
          const end = buffer.indexOf("\n\n")
          if (end >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const fields = block.split("\n").filter((line) => !line.startsWith("retry:"))
            if (fields.every((line) => line.startsWith(":"))) return { event: "comment", data: fields.join("\n") }
            const field = (name: string) =>
              fields.filter((line) => line.startsWith(`${name}: `)).map((line) => line.slice(name.length + 2))
            return { event: field("event")[0] ?? "message", id: field("id")[0], data: field("data").join("\n") }
          }
          reader ??= response.body!.pipeThrough(new TextDecoderStream()).getReader()
          const read = await reader.read()
          if (read.done) return undefined
          buffer += read.value
        }
      }).pipe(
        Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`no event within ${within} ms`) }),
        Effect.orDie
      )
    const snapshot = (within?: number) =>
      Effect.map(next(within), (message): any => {
        expect(message?.event).toBe("snapshot")
        return JSON.parse(message!.data)
      })
    return { response, next, snapshot }
  })

describe("the sandbox dashboard", () => {
  it.scopedLive("is one HTML page to a browser, under a policy of its own origin and inline code only", () =>
    Effect.gen(function*() {
      const { url } = yield* build()
      const page = yield* Effect.promise(() =>
        fetch(`${url}/_sandbox/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } })
      )
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(page.headers.get("x-content-type-options")).toBe("nosniff")
      const policy = page.headers.get("content-security-policy") ?? ""
      const directives = new Map(
        policy.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources])
      )
      expect(directives.get("default-src")).toEqual(["'self'"])
      expect(directives.get("script-src")).toEqual(["'self'", "'unsafe-inline'"])
      expect(directives.get("style-src")).toEqual(["'self'", "'unsafe-inline'"])
      expect(directives.get("frame-ancestors")).toEqual(["'none'"])
      for (const sources of directives.values()) {
        for (const source of sources) expect(["'self'", "'unsafe-inline'", "'none'", "data:"]).toContain(source)
      }
      const html = yield* Effect.promise(() => page.text())
      expect(html).toContain("<title>QFPay sandbox</title>")
      expect(html).toContain("new EventSource(\"/_sandbox/events\")")
      // Data goes into the page as text only, and nothing is loaded from elsewhere.
      expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/)
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)

      // Anything but a browser still gets the routes.
      const index = yield* admin(url, "/")
      expect(index.status).toBe(200)
      expect(index.json.routes).toContain("GET /_sandbox/events")
    }))

  it.scopedLive("events: a snapshot first, then one after each change (a payment, a refund, a settlement)", () =>
    Effect.gen(function*() {
      const { url } = yield* build()
      const stream = yield* events(url)
      expect(stream.response.status).toBe(200)
      expect(stream.response.headers.get("content-type")).toBe("text/event-stream")
      const first = yield* stream.snapshot()
      expect(first).toMatchObject({ requests: 0, payments: { total: 0, shown: [] }, inProgress: { total: 0 }, log: [] })

      const payment = (yield* admin(url, "/payments", { txamt: 1000, out_trade_no: "DASH-P1" })).json
      const paid = yield* stream.snapshot()
      expect(paid.version).toBeGreaterThan(first.version)
      expect(paid.payments.shown).toEqual([
        expect.objectContaining({ out_trade_no: "DASH-P1", txamt: 1000, refundable: 1000, refunds: [] })
      ])

      const answer = yield* refund(url, {
        syssn: payment.syssn,
        out_trade_no: "DASH-R1",
        txamt: "400",
        txdtm: "2026-11-22 10:00:00"
      })
      expect(answer.respcd).toBe("0000")
      const refunded = yield* stream.snapshot()
      expect(refunded.payments.shown[0]).toMatchObject({
        refunded: 400,
        refundable: 600,
        refunds: [{ out_trade_no: "DASH-R1", txamt: 400, respcd: "0000" }]
      })
      expect(refunded.log).toEqual([
        expect.objectContaining({
          index: 0,
          path: "/trade/v1/refund",
          operation: "refund",
          respcd: "0000",
          applied: true
        })
      ])
      // Never a key, a signature or a raw body in a snapshot.
      expect(JSON.stringify(refunded)).not.toMatch(/SANDBOX0|"signature"|"raw"/)

      // A refund in progress shows as such, and settling it ends it.
      yield* admin(url, "/scripts", { out_trade_no: "DASH-R2", outcomes: [{ outcome: "pending", never: true }] })
      yield* stream.snapshot()
      yield* refund(url, { syssn: payment.syssn, out_trade_no: "DASH-R2", txamt: "100", txdtm: "2026-11-22 10:00:00" })
      const pending = yield* stream.snapshot()
      expect(pending.payments.shown[0]).toMatchObject({ refundPending: 100, refundable: 500 })
      expect(pending.inProgress).toEqual({
        total: 1,
        shown: [expect.objectContaining({ operation: "refund", out_trade_no: "DASH-R2", settles: { _tag: "Never" } })]
      })
      expect((yield* admin(url, "/transactions/DASH-R2/settle", {})).status).toBe(200)
      const settled = yield* stream.snapshot()
      expect(settled.inProgress.total).toBe(0)
      expect(settled.payments.shown[0]).toMatchObject({ refunded: 500, refundPending: 0, refundable: 500 })
    }))

  it.scopedLive("events: only to who asks for them; a heartbeat in the quiet", () =>
    Effect.gen(function*() {
      const { url } = yield* build({ heartbeatMillis: 100 })
      const refused = yield* events(url, "*/*")
      expect(refused.response.status).toBe(406)
      const stream = yield* events(url)
      yield* stream.snapshot()
      expect(yield* stream.next(2_000)).toEqual({ event: "comment", data: ": heartbeat" })
      expect(yield* stream.next(2_000)).toEqual({ event: "comment", data: ": heartbeat" })
    }))

  it.scopedLive("events: at most maxSubscribers streams at once, a 503 past that; a stream closed frees its place", () =>
    Effect.gen(function*() {
      const { url } = yield* build({ maxSubscribers: 2 })
      const one = yield* Scope.make()
      yield* Effect.flatMap(events(url), (s) => s.snapshot()).pipe(Scope.extend(one))
      yield* Effect.flatMap(events(url), (s) => s.snapshot())
      const third = yield* events(url)
      expect(third.response.status).toBe(503)
      expect(third.response.headers.get("retry-after")).toBe("5")
      expect(yield* Effect.promise(() => third.response.json())).toEqual({
        error:
          "2 streams of /_sandbox/events are open, the limit: close one (a dashboard's tab), or raise maxSubscribers."
      })
      // The client goes: the server sees the connection close and ends that stream.
      yield* Scope.close(one, Exit.void)
      const again = yield* Effect.iterate(503, {
        while: (status) => status === 503,
        body: () => Effect.zipRight(Effect.sleep("20 millis"), Effect.map(events(url), (s) => s.response.status))
      }).pipe(Effect.timeout("5 seconds"))
      expect(again).toBe(200)
    }))

  it.scopedLive("stopping the sandbox ends its streams, and does not wait for their clients", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { url } = yield* build().pipe(Scope.extend(scope))
      const stream = yield* events(url)
      yield* stream.snapshot()
      const reading = yield* Effect.fork(stream.next())
      // A client keeps an idle connection for seconds: the sandbox closes the stream's itself.
      yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("1 second"))
      expect(yield* Fiber.join(reading)).toBeUndefined()
    }))
})

describe("the simulator's change counter", () => {
  it.effect("moves on every request and admin change; awaitChange waits for the next", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make()
      const start = yield* sim.version
      expect(yield* sim.awaitChange(start - 1)).toBe(start)
      const waiting = yield* Effect.fork(sim.awaitChange(start))
      const p = yield* sim.createPayment({ txamt: 1000 })
      expect(yield* Fiber.join(waiting)).toBe(start + 1)
      // Reading changes nothing.
      yield* sim.transactions
      yield* sim.requestLog
      expect(yield* sim.version).toBe(start + 1)
      yield* sim.serve({ method: "POST", path: "/trade/v1/query", params: {}, headers: {} })
      expect(yield* sim.version).toBe(start + 2)
      yield* sim.setRules({ refundBlackout: false })
      yield* sim.clearFaults
      expect(yield* sim.version).toBe(start + 4)
      // Nothing to settle is no change.
      expect(yield* sim.settle(p.syssn)).toEqual(Option.none())
      expect(yield* sim.version).toBe(start + 4)
    }))

  it.effect("inProgress: payments, refunds and cancellations in progress, as settle takes them", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make()
      const pending = yield* sim.createPayment({ txamt: 500, pay_type: "800208", state: "pending" })
      yield* sim.createPayment({ txamt: 300 })
      expect(yield* sim.inProgress).toEqual([
        {
          operation: "payment",
          id: pending.syssn,
          syssn: pending.syssn,
          out_trade_no: pending.out_trade_no,
          txamt: 500,
          txcurrcd: "HKD",
          respcd: "1143",
          since: 0,
          settles: { _tag: "Never" }
        }
      ])
      yield* sim.settle(pending.syssn)
      expect(yield* sim.inProgress).toEqual([])
    }))
})

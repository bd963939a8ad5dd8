/**
 * The backend's endpoints over real HTTP, against the sandbox server: the sandbox (a simulated
 * QFPay speaking QFPay's wire format) and the backend each listen on a free loopback port, and
 * the tests call the backend as a client would, with `fetch`.
 */
import { refund, Signature } from "@effect-qfpay/core"
import { NodeTransport } from "@effect-qfpay/http"
import { Behaviour, SandboxServer, Simulator } from "@effect-qfpay/testing"
import * as HttpServer from "@effect/platform/HttpServer"
import { expect, layer } from "@effect/vitest"
import { Effect, Either, Layer, Logger, LogLevel, Option, Ref } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Backend from "../src/Backend.js"
import { NotificationStore, OnNotification } from "../src/Notifications.js"
import * as Notifications from "../src/Notifications.js"

// The QFPay client of the backend, pointed at the sandbox.
const Client = Layer.unwrapEffect(
  Effect.map(SandboxServer.SandboxServer, (sandbox) =>
    NodeTransport.layer({
      appCode: Simulator.demoCredential.appCode,
      clientKey: Simulator.demoCredential.clientKey,
      environment: sandbox.url
    }))
)

// The reaction to notifications: remembers what it saw, and fails on demand.
class Reactions extends Effect.Service<Reactions>()("test/Reactions", {
  effect: Effect.all({ seen: Ref.make<ReadonlyArray<string>>([]), failNext: Ref.make(false) })
}) {}

const Reaction = Layer.effect(
  OnNotification,
  Effect.map(Reactions, (reactions) => (notification) =>
    Effect.gen(function*() {
      if (yield* Ref.getAndSet(reactions.failNext, false)) return yield* Effect.fail("the orders table is locked")
      yield* Ref.update(reactions.seen, (seen) => [...seen, `${notification.notify_type}:${notification.syssn}`])
    }))
)

// A directory for the backend's two SQLite files, removed when the tests are done.
const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "qfpay-backend-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const TestBackend = Layer.unwrapScoped(Effect.map(tempDir, (dir) =>
  Backend.layer({
    port: 0,
    host: "127.0.0.1",
    database: Path.join(dir, "backend.db"),
    durableDatabase: Path.join(dir, "backend.durable.db"),
    // Short, so that the "in progress" test answers quickly; the real default is 3 seconds.
    cancelWait: "500 millis"
  }).pipe(
    Layer.provide(Reaction),
    Layer.provideMerge(Reactions.Default),
    Layer.provideMerge(Client),
    Layer.provideMerge(SandboxServer.layer()),
    // The notifications table, for the tests to read (the backend's file, another client).
    Layer.provideMerge(Notifications.layerSqlite(Path.join(dir, "backend.db")))
  ))).pipe(
    // The tests read answers, not logs (a refused signature and a failing reaction log, as they
    // should); raise it to see what the backend says.
    Layer.provide(Logger.minimumLogLevel(LogLevel.None))
  )

interface Answer {
  readonly status: number
  readonly body: any
}

// A request to the backend, as any HTTP client would make it.
const call = (method: "GET" | "POST", path: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
  Effect.flatMap(HttpServer.HttpServer, (server) =>
    Effect.promise(async (): Promise<Answer> => {
      const { port } = server.address as HttpServer.TcpAddress
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, ...init })
      const text = await response.text()
      const json = Either.try(() => JSON.parse(text))
      return { status: response.status, body: Either.getOrElse(json, () => text) }
    }))

const cancel = (order: string) => call("POST", `/orders/${encodeURIComponent(order)}/cancel`)

// A payment at the (simulated) QFPay, whose out_trade_no is the order id.
const payment = (order: string, options: Partial<Simulator.NewPayment> = {}) =>
  Effect.flatMap(
    Simulator.Simulator,
    (sim) => Effect.orDie(sim.createPayment({ txamt: 1000, out_trade_no: order, ...options }))
  )

// A notification as QFPay sends it: JSON, signed over its exact bytes.
const notification = (syssn: string, order: string) => {
  const raw = JSON.stringify({
    notify_type: "payment",
    syssn,
    out_trade_no: order,
    txamt: "1000",
    txcurrcd: "HKD",
    txdtm: "2026-01-02 10:00:00",
    pay_type: "800101",
    respcd: "0000",
    cancel: "0"
  })
  return { raw, signature: Signature.signNotification(raw, Simulator.demoCredential.clientKey) }
}

const notify = (raw: string, signature: string) =>
  call("POST", "/qfpay/notify", { body: raw, headers: { "content-type": "application/json", "x-qf-sign": signature } })

layer(TestBackend, { excludeTestServices: true })("the backend over HTTP", (it) => {
  it.effect("cancels a paid order: refunded in full", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const paid = yield* payment("order-paid")
      const answer = yield* cancel("order-paid")
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({
        outcome: "refunded",
        intent: "cancel-order-order-paid",
        refund: { txamt: 1000 }
      })
      expect(yield* sim.refundedTotal(paid.syssn)).toBe(1000)
    }))

  it.effect("cancels an unpaid order: the payment is reversed", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const unpaid = yield* payment("order-unpaid", { pay_type: "800101", state: { _tag: "Pending" } })
      const answer = yield* cancel("order-unpaid")
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ outcome: "cancelled", operation: "reversal", txamt: 1000 })
      const after = Option.getOrThrow(yield* sim.transaction(unpaid.syssn))
      expect(after.cancel).not.toBe(0)
      expect(after.refunded).toBe(0)
    }))

  it.effect("an order already undone: nothing to undo, nothing sent but the enquiry", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const paid = yield* payment("order-undone")
      // Refunded in full elsewhere (by another system, say), straight through the library.
      yield* refund({ syssn: paid.syssn, txamt: 1000 })
      const answer = yield* cancel("order-undone")
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ outcome: "nothing-to-undo", reason: "already-refunded" })
      expect(yield* sim.refundsOf(paid.syssn)).toHaveLength(1)
    }))

  it.effect("an unknown order: 404 (once the enquiry was asked twice, in case it lagged)", () =>
    Effect.gen(function*() {
      const first = yield* cancel("order-nobody-made")
      // The undo asks the enquiry once more a second later before "not found" is final, so a
      // short wait may answer 202 first; the same cancel, asked again, answers 404.
      expect([202, 404]).toContain(first.status)
      yield* Effect.sleep("1500 millis")
      const answer = yield* cancel("order-nobody-made")
      expect(answer.status).toBe(404)
      expect(answer.body).toMatchObject({ _tag: "OrderNotFound", order: "order-nobody-made" })
    }))

  it.effect("an order id that cannot name a payment: 400, nothing sent", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const before = (yield* sim.requestLog).length
      const answer = yield* cancel("order with spaces")
      expect(answer.status).toBe(400)
      expect(answer.body._tag).toBe("InvalidOrder")
      expect((yield* sim.requestLog).length).toBe(before)
    }))

  it.effect("a retried cancel, twice at once and once after: the same answer, one refund", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const paid = yield* payment("order-retried", { txamt: 2500 })
      const [first, second] = yield* Effect.all([cancel("order-retried"), cancel("order-retried")], {
        concurrency: "unbounded"
      })
      const third = yield* cancel("order-retried")
      expect(first.status).toBe(200)
      expect(second).toEqual(first)
      expect(third).toEqual(first)
      expect(yield* sim.refundsOf(paid.syssn)).toHaveLength(1)
      expect(yield* sim.refundedTotal(paid.syssn)).toBe(2500)
      // The journal says the same, with the handle to resume it by.
      const status = yield* call("GET", "/orders/order-retried/cancel")
      expect(status.status).toBe(200)
      expect(status.body).toMatchObject({ state: "settled", result: first.body })
      expect(typeof status.body.handle).toBe("string")
    }))

  it.effect("QFPay still working on it: 202 with the intent and the handle; the runner settles it later", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const paid = yield* payment("order-slow")
      // The refund answers "in progress", and shows settled at the first enquiry after it.
      yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 1 })))
      const answer = yield* cancel("order-slow").pipe(Effect.ensuring(sim.setBehaviour(Behaviour.alwaysSucceed)))
      expect(answer.status).toBe(202)
      expect(answer.body).toMatchObject({
        outcome: "in-progress",
        intent: "cancel-order-order-slow",
        check: "/orders/order-slow/cancel"
      })
      expect(typeof answer.body.handle).toBe("string")
      expect((yield* call("GET", "/orders/order-slow/cancel")).body).toMatchObject({
        state: "pending",
        handle: answer.body.handle
      })
      // The runner keeps following it after the answer: its first enquiry comes 3 seconds after
      // the refund was sent (QFPay's advice), and finds it settled.
      const settled = yield* call("GET", "/orders/order-slow/cancel").pipe(
        Effect.delay("100 millis"),
        Effect.repeat({ until: (status) => status.body.state !== "pending" })
      )
      expect(settled.body).toMatchObject({ state: "settled", result: { outcome: "refunded", refund: { txamt: 1000 } } })
      // Asking again gives the settled answer; one refund in all.
      expect(yield* cancel("order-slow")).toEqual({ status: 200, body: settled.body.result })
      expect(yield* sim.refundsOf(paid.syssn)).toHaveLength(1)
    }))

  it.effect("a notification delivered twice: SUCCESS twice, stored once, the reaction run once", () =>
    Effect.gen(function*() {
      const reactions = yield* Reactions
      const store = yield* NotificationStore
      const paid = yield* payment("order-notified")
      const { raw, signature } = notification(paid.syssn, "order-notified")
      const [first, second] = yield* Effect.all([notify(raw, signature), notify(raw, signature)], {
        concurrency: "unbounded"
      })
      expect(first).toEqual({ status: 200, body: "SUCCESS" })
      expect(second).toEqual({ status: 200, body: "SUCCESS" })
      expect(yield* notify(raw, signature)).toEqual({ status: 200, body: "SUCCESS" })
      expect((yield* Ref.get(reactions.seen)).filter((s) => s === `payment:${paid.syssn}`)).toHaveLength(1)
      const stored = yield* store.get(`payment:${paid.syssn}`)
      expect(Option.getOrThrow(stored)).toMatchObject({
        syssn: paid.syssn,
        out_trade_no: "order-notified",
        txamt: 1000
      })
    }))

  it.effect("a reaction that fails: not stored, not SUCCESS, and the redelivery runs it", () =>
    Effect.gen(function*() {
      const reactions = yield* Reactions
      const store = yield* NotificationStore
      const paid = yield* payment("order-notified-late")
      const { raw, signature } = notification(paid.syssn, "order-notified-late")
      yield* Ref.set(reactions.failNext, true)
      expect((yield* notify(raw, signature)).status).toBe(500)
      expect(yield* store.get(`payment:${paid.syssn}`)).toEqual(Option.none())
      expect(yield* notify(raw, signature)).toEqual({ status: 200, body: "SUCCESS" })
      expect((yield* Ref.get(reactions.seen)).filter((s) => s === `payment:${paid.syssn}`)).toHaveLength(1)
      expect(Option.isSome(yield* store.get(`payment:${paid.syssn}`))).toBe(true)
    }))

  it.effect("a bad signature: 400, nothing stored", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore
      const paid = yield* payment("order-forged")
      const { raw } = notification(paid.syssn, "order-forged")
      const forged = Signature.signNotification(raw, "NOT0THE0CLIENT0KEY00000000000000")
      const answer = yield* notify(raw, forged)
      expect(answer.status).toBe(400)
      expect(yield* store.get(`payment:${paid.syssn}`)).toEqual(Option.none())
    }))

  it.effect("serves its OpenAPI document, and Swagger UI at /docs", () =>
    Effect.gen(function*() {
      const openapi = yield* call("GET", "/openapi.json")
      expect(openapi.status).toBe(200)
      const cancelOrder = openapi.body.paths["/orders/{id}/cancel"].post
      expect(Object.keys(cancelOrder.responses)).toEqual(
        expect.arrayContaining(["200", "202", "400", "404", "409", "422", "500", "503"])
      )
      expect(openapi.body.paths["/orders/{id}/cancel"].get).toBeDefined()
      expect(openapi.body.paths["/qfpay/notify"].post).toBeDefined()
      const docs = yield* call("GET", "/docs")
      expect(docs.status).toBe(200)
      expect(docs.body).toContain("swagger-ui")
    }))
})

/**
 * A user's program, as it would be written outside this repository: `test/Install.test.ts`
 * copies it into a fresh npm project that installed the packed tarballs, type-checks it under
 * `strict`, `exactOptionalPropertyTypes` and `skipLibCheck: false`, and runs it against
 * `qfpay sandbox` (the installed `@effect-qfpay/cli`'s bin), whose URL is its one argument.
 *
 * It creates a paid payment through the sandbox's admin route, refunds 4.00 of it over
 * `NodeTransport`, refunds 1.00 more durably (`Durable.layerMemory`: the durable package works
 * without a database driver), runs a property of its own flow against the in-memory test layer
 * with `FastCheck` from `effect`, and prints one JSON object.
 */
import { type Receipt, refund, undo } from "@effect-qfpay/core"
import { Durable } from "@effect-qfpay/durable"
import { NodeTransport } from "@effect-qfpay/http"
import { Arbitraries, QFPayTest, Simulator, VirtualClock } from "@effect-qfpay/testing"
import { Effect, FastCheck as fc, Layer, Logger, LogLevel, Option, Redacted } from "effect"

const url = process.argv[2]
if (url === undefined) throw new Error("usage: node main.js <sandbox url>")

// 1. A paid payment of 10.00, made through the sandbox's admin route.
const created = await fetch(`${url}/_sandbox/payments`, {
  method: "POST",
  body: JSON.stringify({ txamt: 1000, state: "paid" })
})
const payment = (await created.json()) as { readonly syssn: string; readonly txamt: number }

// 2. The client, pointed at the sandbox with its public demo credentials.
const QFPay = NodeTransport.layer({
  environment: url,
  appCode: Simulator.demoCredential.appCode,
  clientKey: Redacted.make(Simulator.demoCredential.clientKey)
})

const summary = (r: Receipt.Receipt) => ({
  operation: r.operation,
  syssn: r.syssn,
  orig_syssn: r.orig_syssn,
  out_trade_no: r.out_trade_no,
  txamt: r.txamt,
  respcd: r.respcd,
  confirmed_by: r.confirmed_by
})

const refunded = await Effect.runPromise(
  refund({ syssn: payment.syssn, txamt: 400 }).pipe(Effect.map(summary), Effect.provide(QFPay))
)

// 3. The same, durably, on the in-memory engine.
const durable = await Effect.runPromise(
  Durable.refund(`install-test-${payment.syssn}`, { syssn: payment.syssn, txamt: 100 }).pipe(
    Effect.map(summary),
    Effect.provide(Durable.layerMemory.pipe(Layer.provideMerge(QFPay)))
  )
)

// 4. A property of the user's own flow on the test layer: undo never refunds more than paid.
let runs = 0
await fc.assert(
  fc.asyncProperty(
    Arbitraries.payment,
    Arbitraries.behaviour(),
    Arbitraries.faultPlan({ rate: 0.3 }),
    (p, b, f) =>
      Effect.gen(function*() {
        runs++
        const sim = yield* Simulator.Simulator
        const made = yield* Effect.orDie(sim.createPayment(p))
        yield* Effect.exit(undo({ syssn: made.syssn }))
        const after = Option.getOrThrow(yield* sim.transaction(made.syssn))
        if (after.refunded > after.txamt) throw new Error(`over-refunded: ${after.refunded} > ${after.txamt}`)
      }).pipe(
        VirtualClock.settle,
        Effect.provide(QFPayTest.layerWith({ simulator: { behaviour: b, faults: f } })),
        Logger.withMinimumLogLevel(LogLevel.None),
        Effect.runPromise
      )
  ),
  { numRuns: 25 }
)

console.log(JSON.stringify({ payment: payment.syssn, refund: refunded, durable, property: { runs } }))

/**
 * A durable refund: recorded in a SQLite file before its first request, followed to its end
 * across crashes and restarts, settled exactly once. Run it, kill it (kill -9) whenever you
 * like, run it again: the same intent finds the same refund.
 */
import { Durable } from "@effect-qfpay/durable"
import * as DurableSqlite from "@effect-qfpay/durable/DurableSqlite"
import { NodeTransport } from "@effect-qfpay/http"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"

// QFPAY_APP_CODE, QFPAY_CLIENT_KEY, QFPAY_ENV: the QFPay client, as for any program.
const QFPay = NodeTransport.layerConfig()

// The embedded default: one runner (this process) on one SQLite file. It resumes every
// operation in flight when it starts.
const Durability = DurableSqlite.layer({ filename: "qfpay.db" }).pipe(Layer.provideMerge(QFPay))

const program = Effect.gen(function*() {
  // The intent is your name for the operation: the same one, run again, never refunds twice.
  const receipt = yield* Durable.refund("refund-order-1001", { syssn: "20191227000200020061752831", txamt: 500 })
  yield* Console.log(`Refunded ${receipt.txamt} cents: refund ${receipt.syssn} (${receipt.confirmed_by})`)
}).pipe(
  Effect.catchTags({
    // Recorded and still in progress: the next run (or `qfpay worker --db qfpay.db`) follows it.
    StillInProgress: (e) => Console.log(e.message),
    // The intent names another refund: nothing was sent.
    IntentConflict: (e) => Console.error(e.message),
    Rejected: (e) => Console.error(`QFPay refused it: ${e.code} ${e.meaning}`)
  })
)

NodeRuntime.runMain(program.pipe(Effect.provide(Durability)))

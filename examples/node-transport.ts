/**
 * The happy path over the lean Node transport: refund 5.00 of a payment, with credentials from
 * QFPAY_* variables, straight over undici.
 */
import { refund } from "@effect-qfpay/core"
import { NodeTransport } from "@effect-qfpay/http"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"

// QFPAY_APP_CODE, QFPAY_CLIENT_KEY, QFPAY_ENV (production | test | sandbox | a URL)
const QFPay = NodeTransport.layerConfig()

const program = Effect.gen(function*() {
  const receipt = yield* refund({ syssn: "20191227000200020061752831", txamt: 500 })
  yield* Console.log(`Refunded ${receipt.txamt} cents: refund ${receipt.syssn}, id ${receipt.out_trade_no}`)
})

NodeRuntime.runMain(program.pipe(Effect.provide(QFPay)))

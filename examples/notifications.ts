/**
 * Receiving QFPay's notifications: signature checked over the raw body, `SUCCESS` answered
 * only after your effect succeeded, and the identity to de-duplicate redeliveries on.
 */
import { NotificationHandler } from "@effect-qfpay/http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import { Config, Console, Effect, Layer, Ref } from "effect"
import * as Http from "node:http"

const main = Effect.gen(function*() {
  const clientKey = yield* Config.redacted("QFPAY_CLIENT_KEY")
  const seen = yield* Ref.make(new Set<string>())
  const app = HttpRouter.empty.pipe(
    HttpRouter.post(
      "/qfpay/notify",
      NotificationHandler.handler({
        clientKey,
        onNotification: (notification, identity) =>
          Effect.gen(function*() {
            // QFPay delivers again until it reads SUCCESS: handle each identity once.
            const first = yield* Ref.modify(seen, (s) => [!s.has(identity), new Set(s).add(identity)])
            if (first) {
              yield* Console.log(`${notification.notify_type} ${notification.syssn}: ${notification.txamt} cents`)
            }
          })
      })
    )
  )
  return HttpServer.serve(app)
})

NodeRuntime.runMain(
  Layer.launch(
    Layer.unwrapEffect(main).pipe(Layer.provide(NodeHttpServer.layer(() => Http.createServer(), { port: 8080 })))
  )
)

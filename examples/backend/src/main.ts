/**
 * `pnpm start`: the backend on Node, configured from the environment (see `Config.ts` and the
 * README). SIGINT / SIGTERM stop it cleanly; whatever cancellation was still in flight is
 * resumed by the runner when it starts again.
 */
import { NodeTransport } from "@effect-qfpay/http"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Backend from "./Backend.js"
import * as BackendConfig from "./Config.js"
import { OnNotification } from "./Notifications.js"

// QFPAY_APP_CODE, QFPAY_CLIENT_KEY, QFPAY_ENV (production | test | sandbox | a base URL).
const QFPay = NodeTransport.layerConfig()

const Main = Layer.unwrapEffect(Effect.map(BackendConfig.fromEnv, Backend.layer)).pipe(
  Layer.provide(OnNotification.log),
  Layer.provide(QFPay)
)

NodeRuntime.runMain(Layer.launch(Main))

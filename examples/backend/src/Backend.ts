/**
 * The backend: the API's handlers, its OpenAPI document and Swagger UI, the HTTP server, the
 * durable runner and the notification store, as one layer. The QFPay client (`QFPayConfig` and
 * `Transport`) comes from outside: `NodeTransport.layerConfig()` in `main.ts`, a client of the
 * sandbox server in the tests.
 */
import type { QFPayConfig, Transport } from "@effect-qfpay/core"
import type { Journal } from "@effect-qfpay/durable"
import * as DurableSqlite from "@effect-qfpay/durable/DurableSqlite"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Http from "node:http"
import { BackendApi } from "./Api.js"
import * as Notifications from "./Notifications.js"
import * as Orders from "./Orders.js"

/**
 * @category models
 */
export interface Options {
  /** 0: any free port (tests). */
  readonly port: number
  /** Default: all interfaces. */
  readonly host?: string | undefined
  /** The backend's own SQLite file (the `notifications` table). */
  readonly database: string
  /** The durable runner's SQLite file (journal and engine state); one runner per file. */
  readonly durableDatabase: string
  /** How long `POST /orders/:id/cancel` waits before answering 202. Default 3 seconds. */
  readonly cancelWait?: Duration.DurationInput | undefined
}

const OrdersLive = (options: Options) =>
  HttpApiBuilder.group(BackendApi, "orders", (handlers) =>
    handlers
      .handle("cancelOrder", ({ path }) => Orders.cancelOrder(path.id, { wait: options.cancelWait }))
      .handle("cancellation", ({ path }) => Orders.cancellationStatus(path.id)))

const NotificationsLive = HttpApiBuilder.group(BackendApi, "qfpay", (handlers) =>
  Effect.map(
    Notifications.handler,
    // Raw: the signature covers the body's exact bytes, so nothing may parse it first.
    (handler) => handlers.handleRaw("notify", () => handler)
  ))

/**
 * The API and its documentation: Swagger UI at `/docs`, the OpenAPI document at `/openapi.json`.
 */
export const layerApi = (options: Options): Layer.Layer<
  HttpApi.Api,
  never,
  | WorkflowEngine.WorkflowEngine
  | Journal.Journal
  | QFPayConfig.QFPayConfig
  | Notifications.NotificationStore
  | Notifications.OnNotification
> =>
  Layer.mergeAll(
    HttpApiSwagger.layer({ path: "/docs" }),
    HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })
  ).pipe(
    Layer.provideMerge(HttpApiBuilder.api(BackendApi)),
    Layer.provide([OrdersLive(options), NotificationsLive])
  )

/**
 * Everything but the QFPay client: the HTTP server on `host:port` (its `HttpServer` is exposed,
 * for its address), the durable runner on `durableDatabase` (resuming whatever was in flight
 * when the process last stopped), and the notification store on `database`.
 */
export const layer = (options: Options): Layer.Layer<
  HttpServer.HttpServer,
  unknown,
  QFPayConfig.QFPayConfig | Transport.Transport | Notifications.OnNotification
> =>
  HttpApiBuilder.serve(HttpMiddleware.logger).pipe(
    Layer.provide(layerApi(options)),
    HttpServer.withLogAddress,
    Layer.provideMerge(
      NodeHttpServer.layer(() => Http.createServer(), {
        port: options.port,
        ...(options.host === undefined ? {} : { host: options.host })
      })
    ),
    Layer.provide(Notifications.layerSqlite(options.database)),
    Layer.provide(DurableSqlite.layer({ filename: options.durableDatabase }))
  )

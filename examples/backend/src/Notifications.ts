/**
 * QFPay's notifications, received once each.
 *
 * QFPay delivers a notification again and again until it reads `SUCCESS` (after 2 min, 10 min,
 * …, 15 h), and may deliver it twice at once. `NotificationHandler.handler` from
 * `@effect-qfpay/http` checks the signature over the raw body and gives each notification an
 * identity (`payment:<syssn>`, `refund:<syssn>`); here that identity is the primary key of a
 * `notifications` table, and the reaction (`OnNotification`) runs in the same transaction as
 * the insert:
 *
 * - first delivery: inserted, reaction run, committed, then `SUCCESS`;
 * - a redelivery: the insert does nothing (ON CONFLICT DO NOTHING), no reaction, `SUCCESS`;
 * - the reaction fails, or the process dies before the commit: rolled back, not `SUCCESS`, so
 *   QFPay delivers it again and the reaction gets another chance;
 * - two deliveries at once: the second waits for the first's transaction, then finds the row.
 */
import type { Notification } from "@effect-qfpay/core"
import { QFPayConfig } from "@effect-qfpay/core"
import { NotificationHandler } from "@effect-qfpay/http"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * A notification as stored.
 */
export interface Stored {
  readonly identity: string
  readonly notify_type: string
  readonly syssn: string
  readonly out_trade_no: string | null
  readonly txamt: number
  readonly respcd: string
  readonly received_at: string
}

/**
 * What the backend does with a notification, once: mark the order paid, say. It runs inside the
 * store's transaction, so what it writes through `SqlClient` commits with the record or not at
 * all; keep it short (it holds the database's write lock) and push slow work to a queue.
 */
export class OnNotification extends Context.Tag("backend/OnNotification")<
  OnNotification,
  (notification: Notification.Notification) => Effect.Effect<void, unknown, SqlClient.SqlClient>
>() {
  /** The default reaction: log it. */
  static readonly log = Layer.succeed(
    OnNotification,
    (notification) =>
      Effect.logInfo(`QFPay ${notification.notify_type} ${notification.syssn}: ${notification.txamt} cents`).pipe(
        Effect.annotateLogs({ out_trade_no: notification.out_trade_no ?? "" })
      )
  )
}

/**
 * The notifications table.
 */
export class NotificationStore extends Context.Tag("backend/NotificationStore")<NotificationStore, {
  /**
   * Records the notification under its identity and runs `reaction` if it is the first
   * delivery, in one transaction. `"first"` or `"duplicate"`.
   */
  readonly recordOnce: <E>(
    identity: string,
    notification: Notification.Notification,
    reaction: Effect.Effect<void, E, SqlClient.SqlClient>
  ) => Effect.Effect<"first" | "duplicate", E | SqlError>
  readonly get: (identity: string) => Effect.Effect<Option.Option<Stored>, SqlError>
  readonly list: Effect.Effect<ReadonlyArray<Stored>, SqlError>
}>() {}

/**
 * The store on any `@effect/sql` client (SQLite here; the SQL is also PostgreSQL's).
 */
export const layerSql: Layer.Layer<NotificationStore, SqlError, SqlClient.SqlClient> = Layer.effect(
  NotificationStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS notifications (
      identity TEXT PRIMARY KEY,
      notify_type TEXT NOT NULL,
      syssn TEXT NOT NULL,
      out_trade_no TEXT,
      txamt INTEGER NOT NULL,
      respcd TEXT NOT NULL,
      received_at TEXT NOT NULL
    )`
    return NotificationStore.of({
      recordOnce: (identity, notification, reaction) =>
        Effect.gen(function*() {
          // RETURNING gives a row only when this delivery inserted it.
          const inserted = yield* sql<{ identity: string }>`
            INSERT INTO notifications (identity, notify_type, syssn, out_trade_no, txamt, respcd, received_at)
            VALUES (${identity}, ${notification.notify_type}, ${notification.syssn},
                    ${notification.out_trade_no ?? null}, ${notification.txamt}, ${notification.respcd},
                    ${new Date().toISOString()})
            ON CONFLICT (identity) DO NOTHING
            RETURNING identity`
          if (inserted.length === 0) return "duplicate" as const
          yield* reaction
          return "first" as const
        }).pipe(sql.withTransaction, Effect.provideService(SqlClient.SqlClient, sql)),
      get: (identity) =>
        Effect.map(
          sql<Stored>`SELECT * FROM notifications WHERE identity = ${identity}`,
          (rows) => Option.fromNullable(rows[0])
        ),
      list: sql<Stored>`SELECT * FROM notifications ORDER BY received_at, identity`
    })
  })
)

/**
 * The store in a SQLite file of its own.
 *
 * Not the durable runner's file: the runner's engine holds write transactions across
 * asynchronous steps on its own connection, and better-sqlite3 waits for a lock synchronously,
 * blocking the event loop, so two connections of one process writing one file can stall each
 * other for the whole busy timeout.
 */
export const layerSqlite = (filename: string): Layer.Layer<NotificationStore, SqlError | ConfigError.ConfigError> =>
  layerSql.pipe(Layer.provide(SqliteClient.layer({ filename })))

/**
 * The handler of `POST /qfpay/notify`: verified by `NotificationHandler` with the QFPay
 * client's key, recorded once, `SUCCESS` only after the commit.
 */
export const handler: Effect.Effect<
  Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>,
  never,
  QFPayConfig.QFPayConfig | NotificationStore | OnNotification
> = Effect.gen(function*() {
  const { clientKey } = yield* QFPayConfig.QFPayConfig
  const store = yield* NotificationStore
  const react = yield* OnNotification
  return NotificationHandler.handler({
    clientKey,
    onNotification: (notification, identity) =>
      Effect.flatMap(
        store.recordOnce(identity, notification, react(notification)),
        (delivery) => Effect.logDebug(`QFPay notification ${identity}: ${delivery} delivery`)
      )
  })
})

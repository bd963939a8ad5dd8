/**
 * The journal of durable operations: one row per intent, written **before** the first request
 * is sent, with the workflow's payload (the very identifiers to send), the latest state of the
 * operation (`OperationState`, checkpointed by the engine before each request), and the result
 * once there is one. It is what `status`, `list` and a replayed activity read; the workflow
 * engine's own tables are not an API.
 *
 * Two implementations: in memory (tests), and SQL over `@effect/sql` (SQLite, Postgres), in the
 * same database as the workflow engine.
 *
 * @since 0.2.0
 */
import { OperationState } from "@effect-qfpay/core"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"

/**
 * @since 0.2.0
 * @category models
 */
export type Kind = "refund" | "cancel" | "undo"

/**
 * @since 0.2.0
 * @category models
 */
export type State = "pending" | "settled" | "failed"

/**
 * One intent, as the journal holds it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Entry {
  readonly intent: string
  readonly kind: Kind
  /** The workflow payload, as JSON. */
  readonly payload: unknown
  readonly state: State
  /** The latest state of the operation (its handle included), once the engine started it. */
  readonly checkpoint: OperationState.OperationState | undefined
  /** The receipt (settled) or the error (failed), as JSON. */
  readonly result: unknown
  readonly createdAt: string
  readonly updatedAt: string
}

/**
 * The journal could not be read or written.
 *
 * @since 0.2.0
 * @category errors
 */
export class JournalError extends Schema.TaggedError<JournalError>("@effect-qfpay/durable/JournalError")(
  "JournalError",
  { reason: Schema.String }
) {
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `the durable operations' journal failed: ${this.reason}`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** Records an intent unless it is there; answers the entry as recorded (first write wins). */
  readonly begin: (
    entry: { readonly intent: string; readonly kind: Kind; readonly payload: unknown }
  ) => Effect.Effect<Entry, JournalError>
  readonly get: (intent: string) => Effect.Effect<Option.Option<Entry>, JournalError>
  readonly checkpoint: (intent: string, state: OperationState.OperationState) => Effect.Effect<void, JournalError>
  readonly finish: (intent: string, state: "settled" | "failed", result: unknown) => Effect.Effect<void, JournalError>
  readonly list: (filter?: { readonly state?: State | undefined }) => Effect.Effect<ReadonlyArray<Entry>, JournalError>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class Journal extends Context.Tag("@effect-qfpay/durable/Journal")<Journal, Service>() {}

const encodeState = Schema.encodeSync(Schema.parseJson(OperationState.OperationState))
const decodeState = Schema.decodeUnknownOption(Schema.parseJson(OperationState.OperationState))

const now = () => new Date().toISOString()

/**
 * A journal in memory, for `Durable.layerMemory` and tests.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<Service> = Effect.sync(() => {
  const entries = new Map<string, Entry>()
  const update = (intent: string, patch: Partial<Entry>) =>
    Effect.sync(() => {
      const entry = entries.get(intent)
      if (entry !== undefined) entries.set(intent, { ...entry, ...patch, updatedAt: now() })
    })
  return {
    begin: ({ intent, kind, payload }) =>
      Effect.sync(() => {
        const found = entries.get(intent)
        if (found !== undefined) return found
        const at = now()
        const entry: Entry = {
          intent,
          kind,
          payload: JSON.parse(JSON.stringify(payload)),
          state: "pending",
          checkpoint: undefined,
          result: undefined,
          createdAt: at,
          updatedAt: at
        }
        entries.set(intent, entry)
        return entry
      }),
    get: (intent) => Effect.sync(() => Option.fromNullable(entries.get(intent))),
    checkpoint: (intent, state) => update(intent, { checkpoint: state }),
    finish: (intent, state, result) => update(intent, { state, result: JSON.parse(JSON.stringify(result)) }),
    list: (filter) =>
      Effect.sync(() => [...entries.values()].filter((e) => filter?.state === undefined || e.state === filter.state))
  }
})

/**
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Journal> = Layer.effect(Journal, makeMemory)

/**
 * The table, made if missing. Run before the workflow engine starts: a resumed workflow may
 * read and write it at once.
 *
 * @since 0.2.0
 * @category sql
 */
export const migrate: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    sql`CREATE TABLE IF NOT EXISTS qfpay_intents (
      intent TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL,
      checkpoint TEXT,
      result TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`.pipe(Effect.asVoid)
)

interface Row {
  readonly intent: string
  readonly kind: string
  readonly payload: string
  readonly state: string
  readonly checkpoint: string | null
  readonly result: string | null
  readonly created_at: string
  readonly updated_at: string
}

const fromRow = (row: Row): Entry => ({
  intent: row.intent,
  kind: row.kind as Kind,
  payload: JSON.parse(row.payload),
  state: row.state as State,
  checkpoint: row.checkpoint === null ? undefined : Option.getOrUndefined(decodeState(row.checkpoint)),
  result: row.result === null ? undefined : JSON.parse(row.result),
  createdAt: row.created_at,
  updatedAt: row.updated_at
})

const failed = (e: SqlError) => new JournalError({ reason: e.message })

/**
 * The journal in the database of the given `SqlClient` (SQLite or Postgres).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeSql: Effect.Effect<Service, never, SqlClient.SqlClient> = Effect.map(SqlClient.SqlClient, (sql) => {
  const get = (intent: string) =>
    Effect.mapError(
      Effect.map(sql<Row>`SELECT * FROM qfpay_intents WHERE intent = ${intent}`, (rows) =>
        rows.length === 0 ? Option.none() : Option.some(fromRow(rows[0]))),
      failed
    )
  return {
    begin: ({ intent, kind, payload }) => {
      const at = now()
      return sql`INSERT INTO qfpay_intents (intent, kind, payload, state, created_at, updated_at)
        VALUES (${intent}, ${kind}, ${JSON.stringify(payload)}, 'pending', ${at}, ${at})
        ON CONFLICT (intent) DO NOTHING`.pipe(
        Effect.mapError(failed),
        Effect.zipRight(get(intent)),
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(new JournalError({ reason: `intent ${intent} was not recorded` })),
          onSome: Effect.succeed
        }))
      )
    },
    get,
    checkpoint: (intent, state) =>
      Effect.mapError(
        Effect.asVoid(
          sql`UPDATE qfpay_intents SET checkpoint = ${
            encodeState(state)
          }, updated_at = ${now()} WHERE intent = ${intent}`
        ),
        failed
      ),
    finish: (intent, state, result) =>
      Effect.mapError(
        Effect.asVoid(
          sql`UPDATE qfpay_intents SET state = ${state}, result = ${JSON.stringify(result)}, updated_at = ${now()}
            WHERE intent = ${intent}`
        ),
        failed
      ),
    list: (filter) =>
      Effect.mapError(
        Effect.map(
          filter?.state === undefined
            ? sql<Row>`SELECT * FROM qfpay_intents ORDER BY created_at, intent`
            : sql<Row>`SELECT * FROM qfpay_intents WHERE state = ${filter.state} ORDER BY created_at, intent`,
          (rows) => rows.map(fromRow)
        ),
        failed
      )
  }
})

/**
 * The SQL journal, its table made first.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerSql: Layer.Layer<Journal, SqlError, SqlClient.SqlClient> = Layer.effect(
  Journal,
  // Runners starting together race to make the table: Postgres' CREATE TABLE IF NOT EXISTS can
  // fail on a unique index of its catalogue when two sessions make the same table at once.
  Effect.zipRight(Effect.retry(migrate, Schedule.intersect(Schedule.spaced("200 millis"), Schedule.recurs(5))), makeSql)
)

/**
 * The durable side of `qfpay`: where the durable operations' database is (`--db`, a SQLite
 * file or a `postgres://` URL), what runs them, and how their answers read.
 *
 * - SQLite: one process per file. `qfpay refund --durable …` runs the operation as the file's
 *   runner for as long as it waits (and resumes everything else pending there meanwhile); when a
 *   `qfpay worker` holds the file, it refuses with a sentence saying so (two processes on one
 *   SQLite file break the engine's storage). `status` and `journal` only read the file.
 * - Postgres: `qfpay worker --db postgres://… --listen host:port` runs a runner (several may
 *   share the database); `qfpay refund --durable …` hands the intent to them through the
 *   database and waits.
 *
 * The database drivers are loaded when a durable command runs, not before: they are optional
 * dependencies of `@effect-qfpay/cli` (the SQLite one builds a native module, better-sqlite3),
 * so that `npm install --omit=optional` gives every other command without them. A durable
 * command without its driver says which package to install.
 *
 * @since 0.2.0
 */
import type { QFPayConfig, Transport } from "@effect-qfpay/core"
import type { Durable } from "@effect-qfpay/durable"
import { Journal } from "@effect-qfpay/durable"
import type * as SqlClient from "@effect/sql/SqlClient"
import type * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Flags from "./Flags.js"
import * as Render from "./Render.js"

/**
 * Where the durable operations live.
 *
 * @since 0.2.0
 * @category models
 */
export type Store =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Postgres"; readonly url: Redacted.Redacted<string> }

/**
 * Reads `--db` (or `QFPAY_DB`).
 *
 * @since 0.2.0
 * @category flags
 */
export const store = (command: string, value: Option.Option<string>): Either.Either<Store, Flags.FlagError> =>
  Option.match(Option.orElse(value, () => Option.fromNullable(process.env.QFPAY_DB)), {
    onNone: () =>
      Either.left(
        new Flags.FlagError({
          message:
            `qfpay ${command} needs --db: a SQLite file (created if missing) or a postgres:// URL (or set QFPAY_DB)`
        })
      ),
    onSome: (text) => {
      const db = text.trim()
      if (db === "") {
        return Either.left(new Flags.FlagError({ message: "--db needs a value: a SQLite file or a postgres:// URL" }))
      }
      return /^postgres(ql)?:\/\//.test(db)
        ? Either.right({ _tag: "Postgres", url: Redacted.make(db) })
        : Either.right({ _tag: "Sqlite", filename: db })
    }
  })

/**
 * The place a person reads: a file, or a database URL without its password.
 *
 * @since 0.2.0
 * @category formatting
 */
export const describe = (store: Store): string => {
  if (store._tag === "Sqlite") return store.filename
  try {
    const url = new URL(Redacted.value(store.url))
    url.password = url.password === "" ? "" : "***"
    return url.toString()
  } catch {
    return "the Postgres database"
  }
}

/**
 * A durable command's database driver could not be loaded: not installed (`npm install
 * --omit=optional` leaves the drivers out), or broken.
 *
 * @since 0.2.0
 * @category errors
 */
export class DriverUnavailable extends Data.TaggedError("DriverUnavailable")<{
  readonly message: string
  readonly cause: unknown
}> {}

const drivers = {
  Sqlite: {
    name: "@effect/sql-sqlite-node",
    range: "^0.53",
    modules: ["@effect/sql-sqlite-node", "better-sqlite3"],
    note: " (its better-sqlite3 builds a native module)"
  },
  Postgres: { name: "@effect/sql-pg", range: "^0.53", modules: ["@effect/sql-pg", "pg"], note: "" }
} as const

const unavailable = (tag: Store["_tag"], cause: unknown): DriverUnavailable => {
  const driver = drivers[tag]
  // Node's message names the package it could not find: 'better-sqlite3', say.
  const missing = typeof cause === "object" && cause !== null && "code" in cause &&
    cause.code === "ERR_MODULE_NOT_FOUND" &&
    driver.modules.some((name) => String((cause as { message?: unknown }).message).includes(`'${name}'`))
  return new DriverUnavailable({
    message: missing
      ? `the durable commands on ${
        tag === "Sqlite" ? "a SQLite file" : "Postgres"
      } need ${driver.name}, which is not installed (npm install --omit=optional leaves it out): npm install ${driver.name}@${driver.range}${driver.note}`
      : `could not load ${driver.name}, the ${
        tag === "Sqlite" ? "SQLite" : "Postgres"
      } driver of the durable commands: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })
}

// The drivers' sides of the durable commands, loaded on first use. Not exported: their types
// name the drivers' modules, and this package's declarations must not need them.
const sqlite = Effect.tryPromise({
  try: async () => {
    const [DurableSqlite, SqliteClient] = await Promise.all([
      import("@effect-qfpay/durable/DurableSqlite"),
      import("@effect/sql-sqlite-node/SqliteClient")
    ])
    return { DurableSqlite, SqliteClient }
  },
  catch: (cause) => unavailable("Sqlite", cause)
})

const postgres = Effect.tryPromise({
  try: async () => {
    const [DurablePg, PgClient] = await Promise.all([
      import("@effect-qfpay/durable/DurablePg"),
      import("@effect/sql-pg/PgClient")
    ])
    return { DurablePg, PgClient }
  },
  catch: (cause) => unavailable("Postgres", cause)
})

/**
 * Whether the driver of a kind of store loads: `qfpay demo` skips its durable step without it.
 *
 * @since 0.2.0
 * @category drivers
 */
export const available = (tag: Store["_tag"]): Effect.Effect<void, DriverUnavailable> =>
  tag === "Sqlite" ? Effect.asVoid(sqlite) : Effect.asVoid(postgres)

type Engine = Layer.Layer<
  WorkflowEngine.WorkflowEngine | Journal.Journal,
  unknown,
  QFPayConfig.QFPayConfig | Transport.Transport
>

/**
 * The durable engine for a command: `qfpay worker` is a runner (listening on `listen` with
 * Postgres); a money command with `--durable` is the runner itself with SQLite (one process
 * per file), and with Postgres a submitter that hands intents to the runners (`listen: false`).
 *
 * @since 0.2.0
 * @category layers
 */
export const engine = (
  store: Store,
  listen: false | { readonly host: string; readonly port: number }
): Engine => {
  // A person waits on a command line: a step in flight gets two seconds to finish on Ctrl-C
  // (cut off, it reconciles when resumed); a worker is a service and takes the engine's 15.
  const shutdownTimeout = listen === false ? "2 seconds" : "15 seconds"
  return store._tag === "Sqlite"
    ? Layer.unwrapEffect(
      Effect.map(
        sqlite,
        ({ DurableSqlite }): Engine => DurableSqlite.layer({ filename: store.filename, shutdownTimeout })
      )
    )
    : Layer.unwrapEffect(
      Effect.map(
        postgres,
        ({ DurablePg }): Engine => DurablePg.layer({ url: store.url, runner: listen, shutdownTimeout })
      )
    )
}

/**
 * The journal alone, for `status` and `journal`, which run beside a worker: they only read
 * (SQLite lets readers share a file with its one writer; it is several writers that break).
 *
 * @since 0.2.0
 * @category layers
 */
export const reader = (store: Store): Layer.Layer<Journal.Journal, unknown> =>
  Layer.effect(Journal.Journal, Journal.makeSql).pipe(
    Layer.provide(
      store._tag === "Sqlite"
        ? Layer.unwrapEffect(
          Effect.map(
            sqlite,
            ({ SqliteClient }) =>
              SqliteClient.layer({ filename: store.filename }) as Layer.Layer<SqlClient.SqlClient, unknown>
          )
        )
        : Layer.unwrapEffect(
          Effect.map(
            postgres,
            ({ PgClient }) => PgClient.layer({ url: store.url }) as Layer.Layer<SqlClient.SqlClient, unknown>
          )
        )
    )
  )

/**
 * How a durable operation's special answers read.
 *
 * @since 0.2.0
 * @category outcomes
 */
export const failure = (
  error: Durable.IntentConflict | Durable.StillInProgress | Journal.JournalError,
  store: Store
): Render.Outcome => {
  switch (error._tag) {
    case "IntentConflict":
      // Its message says nothing was sent.
      return Render.invalid(error.message, { nothingSent: false })
    case "StillInProgress":
      return {
        exitCode: 3,
        status: "pending",
        fields: { intent: error.intent, ...(error.handle === undefined ? {} : { out_trade_no: error.handle }) },
        message: Render.sentence(
          store._tag === "Sqlite"
            ? `${
              error.message.replace(/; a runner keeps following it$/, "")
            }: it is recorded in ${store.filename}, and \`qfpay worker --db ${store.filename}\` (or this command again) keeps following it`
            : error.message
        ),
        details: [`Check it with: qfpay status --intent ${error.intent} --db ${describe(store)}`]
      }
    case "JournalError":
      return {
        exitCode: 4,
        status: "unknown",
        fields: {},
        message: Render.sentence(error.message),
        details: []
      }
  }
}

/**
 * An intent's status, for people and for `--json`.
 *
 * @since 0.2.0
 * @category outcomes
 */
export const status = (s: Durable.Status): Render.Outcome => ({
  exitCode: 0,
  status: s.state === "settled" ? "settled" : s.state === "failed" ? "rejected" : "pending",
  fields: {
    intent: s.intent,
    kind: s.kind,
    state: s.state,
    out_trade_no: s.handle?.out_trade_no,
    orig_syssn: s.handle?.syssn,
    result: s.result,
    created_at: s.createdAt,
    updated_at: s.updatedAt
  },
  message: `Intent ${s.intent} (${s.kind}): ${s.state}${
    s.state === "pending" ? ", a runner follows it" : ""
  } (recorded ${s.createdAt}, last change ${s.updatedAt}).`,
  details: []
})

/**
 * A durable command interrupted by a signal: the intent is recorded; a runner follows it.
 *
 * @since 0.2.0
 * @category outcomes
 */
export const interrupted = (signal: string, intent: string, store: Store): Render.Outcome => ({
  exitCode: 3,
  status: "pending",
  fields: { intent, signal },
  message: Render.sentence(
    `Interrupted by ${signal}: intent ${intent} is recorded in ${describe(store)}; ${
      store._tag === "Sqlite"
        ? `\`qfpay worker --db ${store.filename}\` (or this command again) follows it to its end`
        : "the workers follow it to its end"
    }`
  ),
  details: [`Check it with: qfpay status --intent ${intent} --db ${describe(store)}`]
})

/**
 * Reads `--listen host:port` (Postgres workers).
 *
 * @since 0.2.0
 * @category flags
 */
export const listenAddress = (
  value: Option.Option<string>
): Either.Either<{ readonly host: string; readonly port: number }, Flags.FlagError> =>
  Option.match(value, {
    onNone: () => Either.right({ host: "127.0.0.1", port: 34431 }),
    onSome: (text) => {
      const match = /^(.+):(\d{1,5})$/.exec(text.trim())
      const port = match === null ? NaN : Number(match[2])
      return match !== null && port > 0 && port < 65536
        ? Either.right({ host: match[1].replace(/^\[(.*)\]$/, "$1"), port })
        : Either.left(
          new Flags.FlagError({
            message: `--listen expects host:port, such as 127.0.0.1:34431, got ${JSON.stringify(text)}`
          })
        )
    }
  })

/**
 * Reads `--state`.
 *
 * @since 0.2.0
 * @category flags
 */
export const stateFilter = (
  value: Option.Option<string>
): Either.Either<Journal.State | undefined, Flags.FlagError> =>
  Option.match(value, {
    onNone: () => Either.right(undefined),
    onSome: (text) =>
      text === "pending" || text === "settled" || text === "failed"
        ? Either.right(text)
        : Either.left(
          new Flags.FlagError({ message: `--state must be pending, settled or failed, got ${JSON.stringify(text)}` })
        )
  })

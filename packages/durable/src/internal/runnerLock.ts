/**
 * One runner per SQLite file. Several processes on one SQLite file break the workflow engine's
 * storage (Effect-TS/effect#6179: "database is locked", shard locks declared unhealthy, the same
 * activity run in two processes), so a runner holds a write transaction on a side file,
 * `<db>.runner-lock`, for its whole life. SQLite's locks are the operating system's file locks:
 * the kernel drops them when the process dies, `kill -9` included, so a crashed runner never
 * leaves a stale lock behind. (The engine's own runner and lock rows look alive for the lock
 * expiry after a crash, and would wrongly refuse a restart.)
 *
 * @internal
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Fs from "node:fs"

/**
 * Another runner holds the database.
 *
 * @internal
 */
export class RunnerAlreadyActive extends Schema.TaggedError<RunnerAlreadyActive>(
  "@effect-qfpay/durable/RunnerAlreadyActive"
)("RunnerAlreadyActive", { filename: Schema.String, holder: Schema.optional(Schema.Number) }) {
  override get message(): string {
    return `another runner${
      this.holder === undefined ? "" : ` (pid ${this.holder})`
    } holds ${this.filename}: only one process may run durable operations on a SQLite file (stop it, let it run them, or move to Postgres for several runners)`
  }
}

/** @internal */
export const layer = (filename: string): Layer.Layer<never, RunnerAlreadyActive> =>
  Layer.scopedDiscard(
    Effect.gen(function*() {
      const lockFile = `${filename}.runner-lock`
      const pidFile = `${lockFile}.pid`
      const busy = () =>
        new RunnerAlreadyActive({
          filename,
          ...(Fs.existsSync(pidFile) ? { holder: Number(Fs.readFileSync(pidFile, "utf8")) || undefined } : {})
        })
      const sql = yield* Effect.orDie(SqliteClient.make({ filename: lockFile, disableWAL: true }))
      // Fail at once rather than after better-sqlite3's five-second busy wait.
      yield* Effect.orDie(sql`PRAGMA busy_timeout = 0`)
      yield* Effect.mapError(sql`BEGIN IMMEDIATE`, busy)
      yield* Effect.sync(() => Fs.writeFileSync(pidFile, String(process.pid)))
      yield* Effect.addFinalizer(() => Effect.ignore(sql`ROLLBACK`))
    }).pipe(Effect.provide(Reactivity.layer))
  )

/**
 * Durable operations on an embedded SQLite database: a single-node runner of the Effect
 * ecosystem's workflow engine (`@effect/cluster`'s `SingleRunner` + `ClusterWorkflowEngine`)
 * over `@effect/sql-sqlite-node`, with the journal in the same file.
 *
 * One process per database file: the layer takes an operating-system lock on the file's side
 * file (released when the process ends, however it ends) and fails with a clear error when
 * another runner holds it. Several runners need Postgres (`DurablePg`).
 *
 * ```ts
 * const Durability = DurableSqlite.layer({ filename: "qfpay.db" }).pipe(Layer.provide(QFPay))
 * Durable.refund("refund-order-42", { syssn, txamt: 500 }).pipe(Effect.provide(Durability))
 * ```
 *
 * @since 0.2.0
 */
import type { QFPayConfig, Transport } from "@effect-qfpay/core"
import * as ClusterWorkflowEngine from "@effect/cluster/ClusterWorkflowEngine"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as SingleRunner from "@effect/cluster/SingleRunner"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import type * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { resumePending } from "./Durable.js"
import { RunnerAlreadyActive } from "./internal/runnerLock.js"
import * as RunnerLock from "./internal/runnerLock.js"
import * as Journal from "./Journal.js"
import * as Workflows from "./Workflows.js"

export {
  /**
   * @since 0.2.0
   */
  RunnerAlreadyActive
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly filename: string
  /**
   * How often the runner reads stored messages: how late a durable wait may fire, and how soon
   * work recorded by this process is picked up. Default 500 ms.
   */
  readonly pollInterval?: Duration.DurationInput | undefined
  /**
   * On shutdown, how long a step in flight may finish before it is cut off (it then runs again,
   * reconciling first, when the operation resumes). Default 15 seconds, the engine's own.
   */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
}

/**
 * The runner on `filename`, resuming every operation in flight at start.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  WorkflowEngine.WorkflowEngine | Journal.Journal,
  RunnerAlreadyActive | ConfigError.ConfigError,
  QFPayConfig.QFPayConfig | Transport.Transport
> => {
  const poll = Duration.decode(options.pollInterval ?? "500 millis")
  const engine = ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(SingleRunner.layer({
      runnerStorage: "sql",
      shardingConfig: {
        // A fixed address: a restarted runner takes its own shards back at once (another
        // address would wait for the old locks to expire).
        runnerAddress: Option.some(RunnerAddress.make("localhost", 34431)),
        entityMessagePollInterval: poll,
        entityReplyPollInterval: Duration.millis(Math.max(20, Math.min(100, Duration.toMillis(poll)))),
        refreshAssignmentsInterval: poll,
        shardLockRefreshInterval: Duration.seconds(1),
        shardLockExpiration: Duration.seconds(5),
        entityTerminationTimeout: Duration.decode(options.shutdownTimeout ?? "15 seconds")
      }
    }))
  )
  const resume = Layer.effectDiscard(Effect.orDie(resumePending))
  return resume.pipe(
    Layer.provideMerge(Workflows.layer),
    Layer.provideMerge(engine),
    // The journal's table exists before the engine resumes anything that writes it.
    Layer.provideMerge(Layer.orDie(Journal.layerSql)),
    Layer.provide(SqliteClient.layer({ filename: options.filename })),
    Layer.provide(RunnerLock.layer(options.filename))
  )
}

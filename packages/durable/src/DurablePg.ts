/**
 * Durable operations on Postgres, for users who outgrow one machine: several runner processes
 * share one database through `@effect/cluster`'s sharding (each owns a share of the operations;
 * when one dies, the others take its share over after the shard lock expiry), and processes
 * that only submit (`runner: false`) hand operations to the runners through the database.
 *
 * A frozen (not dead) runner keeps its shards until it recovers: bound that with Postgres'
 * `idle_session_timeout` / `tcp_keepalives_*` on the runners' connections, or a supervisor that
 * kills a runner whose health check stalls (see the README's deployment notes).
 *
 * @since 0.2.0
 */
import type { QFPayConfig, Transport } from "@effect-qfpay/core"
import * as ClusterWorkflowEngine from "@effect/cluster/ClusterWorkflowEngine"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import type * as SocketServer from "@effect/platform/SocketServer"
import * as PgClient from "@effect/sql-pg/PgClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { resumePending } from "./Durable.js"
import * as Journal from "./Journal.js"
import * as Workflows from "./Workflows.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** `postgres://user:password@host:port/database` (redacted in logs). */
  readonly url: Redacted.Redacted<string> | string
  /**
   * This process as a runner: the address other runners reach it at (it listens there).
   * `false`: submit only (no shards, no workflows run here).
   */
  readonly runner: { readonly host: string; readonly port: number } | false
  /**
   * How long a dead runner's shards stay locked before another takes them (default 6 s, with a
   * refresh every 2 s); the engine's own default is 35 s.
   */
  readonly shardLockExpiration?: Duration.DurationInput | undefined
  /** How often stored messages are read: durable waits fire at most this late. Default 1 s. */
  readonly pollInterval?: Duration.DurationInput | undefined
  /**
   * On shutdown, how long a step in flight may finish before it is cut off (it then runs again,
   * reconciling first, when the operation resumes). Default 15 seconds, the engine's own.
   */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
}

/**
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  WorkflowEngine.WorkflowEngine | Journal.Journal,
  ConfigError.ConfigError | SocketServer.SocketServerError | SqlError,
  QFPayConfig.QFPayConfig | Transport.Transport
> => {
  const expiration = Duration.decode(options.shardLockExpiration ?? "6 seconds")
  const poll = Duration.decode(options.pollInterval ?? "1 second")
  const shardingConfig = {
    shardLockExpiration: expiration,
    shardLockRefreshInterval: Duration.millis(Math.max(200, Math.floor(Duration.toMillis(expiration) / 3))),
    refreshAssignmentsInterval: Duration.millis(Math.min(1000, Duration.toMillis(poll))),
    entityMessagePollInterval: poll,
    entityReplyPollInterval: Duration.millis(100),
    runnerHealthCheckInterval: Duration.seconds(2),
    entityTerminationTimeout: Duration.decode(options.shutdownTimeout ?? "15 seconds")
  }
  const sql = PgClient.layer({
    url: typeof options.url === "string" ? Redacted.make(options.url) : options.url
  })
  const journal = Layer.orDie(Journal.layerSql)
  if (options.runner === false) {
    const client = ClusterWorkflowEngine.layer.pipe(
      Layer.provideMerge(NodeClusterSocket.layer({
        clientOnly: true,
        storage: "sql",
        shardingConfig: { ...shardingConfig, runnerAddress: Option.none() }
      }))
    )
    return Layer.merge(client, journal).pipe(Layer.provide(sql))
  }
  const engine = ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(NodeClusterSocket.layer({
      storage: "sql",
      shardingConfig: {
        ...shardingConfig,
        runnerAddress: Option.some(RunnerAddress.make(options.runner.host, options.runner.port))
      }
    }))
  )
  return Layer.effectDiscard(Effect.orDie(resumePending)).pipe(
    Layer.provideMerge(Workflows.layer),
    Layer.provideMerge(engine),
    Layer.provideMerge(journal),
    Layer.provide(sql)
  )
}

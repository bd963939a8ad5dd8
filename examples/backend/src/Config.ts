/**
 * The backend's configuration, from the environment. The QFPay client reads its own
 * (`QFPAY_APP_CODE`, `QFPAY_CLIENT_KEY`, `QFPAY_ENV`, …) through `NodeTransport.layerConfig()`.
 */
import * as Config from "effect/Config"
import * as Option from "effect/Option"
import * as Path from "node:path"
import type { Options } from "./Backend.js"
import { defaultWait } from "./Orders.js"

// backend.db → backend.durable.db, beside it.
const durableBeside = (database: string): string => {
  const { dir, ext, name } = Path.parse(database)
  return Path.join(dir, `${name}.durable${ext === "" ? ".db" : ext}`)
}

/**
 * - `BACKEND_PORT` (default 3000), `BACKEND_HOST` (default: all interfaces);
 * - `BACKEND_DB`: the backend's SQLite file (default `backend.db`);
 * - `BACKEND_DURABLE_DB`: the durable runner's SQLite file (default beside it,
 *   `backend.durable.db`);
 * - `BACKEND_CANCEL_WAIT`: how long a cancel request waits before answering 202 (default
 *   `3 seconds`).
 */
export const fromEnv: Config.Config<Options> = Config.all({
  port: Config.port("BACKEND_PORT").pipe(Config.withDefault(3000)),
  host: Config.option(Config.string("BACKEND_HOST")),
  database: Config.string("BACKEND_DB").pipe(Config.withDefault("backend.db")),
  durableDatabase: Config.option(Config.string("BACKEND_DURABLE_DB")),
  cancelWait: Config.duration("BACKEND_CANCEL_WAIT").pipe(Config.withDefault(defaultWait))
}).pipe(
  Config.map(({ cancelWait, database, durableDatabase, host, port }) => ({
    port,
    host: Option.getOrUndefined(host),
    database,
    durableDatabase: Option.getOrElse(durableDatabase, () => durableBeside(database)),
    cancelWait
  }))
)

// A runner process of the crash harness: runs every intent of a plan durably on a SQLite file,
// against a sandbox over HTTP, then prints one JSON line of results and exits. Killed with
// SIGKILL at any moment and started again, it resumes: the plan's intents are submitted again
// (attaching to the recorded ones) and every operation in flight is resumed by the runner.
//
// node runner.mjs <db file> <sandbox url> <plan.json>
import { PollPolicy, RetryPolicy } from "@effect-qfpay/core"
import { Durable, Workflows } from "@effect-qfpay/durable"
import * as DurableSqlite from "@effect-qfpay/durable/DurableSqlite"
import { HttpTransport } from "@effect-qfpay/http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Duration, Effect, Layer, Logger, LogLevel } from "effect"
import * as Fs from "node:fs"

const [db, url, planFile] = process.argv.slice(2)
const plan = JSON.parse(Fs.readFileSync(planFile, "utf8"))

const client = HttpTransport.layer({
  environment: url,
  appCode: "SANDBOX0APPCODE0000000000000001",
  clientKey: "SANDBOX0CLIENTKEY000000000000001",
  timeout: "5 seconds",
  retry: RetryPolicy.make({ base: "50 millis", maxDelay: "300 millis", retries: 4 }),
  rateLimit: false
}).pipe(Layer.provide(NodeHttpClient.layerUndici))

const settings = {
  poll: PollPolicy.make({
    firstDelay: "100 millis",
    interval: "100 millis",
    maxInterval: "300 millis",
    deadline: "2 seconds"
  }),
  waits: [Duration.millis(200), Duration.millis(400)],
  maxFollowUps: 500,
  inMemoryThreshold: Duration.millis(50)
}

const one = (item) => {
  const run = item.kind === "refund"
    ? Durable.refund(item.intent, { syssn: item.syssn, txamt: item.txamt }, { wait: "5 minutes" })
    : Durable.cancel(
      item.intent,
      { syssn: item.syssn, txamt: item.txamt, txdtm: item.txdtm, pay_type: item.pay_type },
      {
        wait: "5 minutes"
      }
    )
  return Effect.map(Effect.either(run), (result) => ({
    intent: item.intent,
    ok: result._tag === "Right",
    error: result._tag === "Left" ? `${result.left._tag}: ${result.left.message}` : undefined
  }))
}

const program = Effect.gen(function*() {
  const results = yield* Effect.forEach(plan, one, { concurrency: 8 })
  const states = yield* Durable.list()
  process.stdout.write(
    JSON.stringify({ results, states: states.map((s) => ({ intent: s.intent, state: s.state })) }) + "\n"
  )
})

Effect.runPromise(
  program.pipe(
    Effect.provideService(Workflows.DurableSettings, settings),
    Effect.provide(DurableSqlite.layer({ filename: db, pollInterval: "100 millis" }).pipe(Layer.provideMerge(client))),
    Logger.withMinimumLogLevel(LogLevel.Error)
  )
).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`runner failed: ${error?.message ?? error}\n`)
    process.exit(1)
  }
)

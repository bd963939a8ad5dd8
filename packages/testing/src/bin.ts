#!/usr/bin/env node
/**
 * Runs the sandbox server in the foreground:
 * `qfpay-sandbox [--host 127.0.0.1] [--port 8080] [--transactions 100000]`. Past `--transactions`
 * held, it answers 1254 as a full system would (a benchmark's hundreds of thousands of refunds
 * need more).
 * Prints the base URL and the demo app code on stdout; the client key is the documented demo
 * key. Each request is logged on stderr (method, path, status, respcd).
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as SandboxServer from "./SandboxServer.js"

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const port = Number(flag("port") ?? "8080")
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: expected a port number from 0 to 65535, got ${flag("port")}`)
  process.exit(1)
}

const transactions = Number(flag("transactions") ?? SandboxServer.defaultLimits.transactions)
if (!Number.isSafeInteger(transactions) || transactions < 1) {
  console.error(`--transactions: expected a positive whole number, got ${flag("transactions")}`)
  process.exit(1)
}

const main = Effect.gen(function*() {
  const sandbox = yield* SandboxServer.SandboxServer
  yield* Console.log(`QFPay sandbox listening on ${sandbox.url}`)
  yield* Console.log(
    `app code ${sandbox.simulator.credential.appCode} (demo credentials; admin routes under ${sandbox.url}${SandboxServer.ADMIN_PREFIX}/)`
  )
  return yield* Effect.never
})

NodeRuntime.runMain(
  main.pipe(
    Effect.provide(
      SandboxServer.layer({
        host: flag("host") ?? "127.0.0.1",
        port,
        simulator: { limits: { ...SandboxServer.defaultLimits, transactions } }
      })
    ),
    Effect.asVoid,
    Effect.tapErrorCause((cause) => Effect.logError("the sandbox could not start", cause)),
    Effect.provide(SandboxServer.stderrLogger)
  ),
  // runMain's own reporting and pretty logger write to stdout; stderrLogger (above) keeps stdout
  // for the address.
  { disableErrorReporting: true, disablePrettyLogger: true }
)

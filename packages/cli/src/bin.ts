#!/usr/bin/env node
/**
 * The `qfpay` executable: runs the command line, prints the reply, and exits with its code.
 *
 * SIGINT and SIGTERM are the commands' to answer (see `Signals`): a money command interrupted
 * with an operation under way prints the operation's handle and the command that reconciles it;
 * a second signal ends the process at once.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { main } from "./Cli.js"
import * as Help from "./Help.js"
import * as Render from "./Render.js"
import * as Signals from "./Signals.js"

const exit = (code: number) => {
  // Let what was written to a pipe reach it first.
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)))
}

const signals = Signals.fromProcess(() => process.exit(130))

Effect.runPromise(
  main(process.argv, { colour: Help.colour({ isTTY: process.stdout.isTTY, env: process.env }) }).pipe(
    Effect.tap((reply) => Render.print(reply.outcome, reply.json)),
    Effect.map((reply) => reply.outcome.exitCode),
    // Logs go to stderr, so that stdout holds only the answer (one JSON object with --json).
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
    Effect.provide(NodeContext.layer),
    Effect.provideService(Signals.Signals, signals)
  )
).then(exit, (error) => {
  // `main` never fails; a defect that escapes it is a bug, and the outcome unknown.
  process.stderr.write(`qfpay: internal error (${error instanceof Error ? error.message : String(error)})\n`)
  exit(4)
})

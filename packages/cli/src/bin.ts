#!/usr/bin/env node
/**
 * The `qfpay` executable: runs the command line, prints the reply, and exits with its code.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import { main } from "./Cli.js"
import * as Help from "./Help.js"
import * as Render from "./Render.js"

NodeRuntime.runMain(
  main(process.argv, { colour: Help.colour({ isTTY: process.stdout.isTTY, env: process.env }) }).pipe(
    Effect.tap((reply) => Render.print(reply.outcome, reply.json)),
    Effect.map((reply) => reply.outcome.exitCode),
    // Logs go to stderr, so that stdout holds only the answer (one JSON object with --json).
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
    Effect.provide(NodeContext.layer)
  ),
  {
    disableErrorReporting: true,
    // runMain's own pretty logger writes to stdout; ours (above) writes to stderr.
    disablePrettyLogger: true,
    // `main` never fails; an interrupt (Ctrl-C, which is how `qfpay sandbox` stops) exits 130.
    teardown: (exit, onExit) =>
      onExit(
        Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : Exit.isInterrupted(exit) ? 130 : 4
      )
  }
)

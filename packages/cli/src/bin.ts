#!/usr/bin/env node
/**
 * The `qfpay` executable.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { lastExitCode, run } from "./Cli.js"

const level = (process.env.QFPAY_LOG_LEVEL ?? "warning").toLowerCase()
const minimum = LogLevel.allLevels.find((l) => l.label.toLowerCase() === level) ?? LogLevel.Warning

NodeRuntime.runMain(
  run(process.argv).pipe(
    // Usage errors were already printed by the parser.
    Effect.map(() => lastExitCode()),
    Effect.catchAll(() => Effect.succeed(1)),
    // A bug, not a QFPay answer: one sentence, no stack trace, and "outcome unknown" (4), since it
    // may have struck after a request was sent.
    Effect.catchAllDefect((defect) =>
      Effect.as(
        Console.error(
          `qfpay: internal error (${
            defect instanceof Error ? defect.message : String(defect)
          }); if an operation was under way, check it with \`qfpay query\` before running it again.`
        ),
        4
      )
    ),
    // Logs go to stderr, so that stdout holds only the answer (one JSON object with --json).
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
    Logger.withMinimumLogLevel(minimum),
    Effect.provide(NodeContext.layer)
  ),
  {
    disableErrorReporting: true,
    // runMain's own pretty logger writes to stdout; ours (above) writes to stderr.
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(exit._tag === "Success" && typeof exit.value === "number" ? exit.value : 1)
  }
)

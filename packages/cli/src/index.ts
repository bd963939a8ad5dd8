/**
 * @since 0.1.0
 */

/**
 * The `qfpay` commands, and `main`, which runs a command line to an outcome.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

/**
 * The demo walkthrough.
 *
 * @since 0.1.0
 */
export * as Demo from "./Demo.js"

/**
 * The flags of the commands and how their values are read.
 *
 * @since 0.2.0
 */
export * as Flags from "./Flags.js"

/**
 * The help the commands print.
 *
 * @since 0.2.0
 */
export * as Help from "./Help.js"

/**
 * Outcomes, output and exit codes.
 *
 * @since 0.1.0
 */
export * as Render from "./Render.js"

/**
 * Where commands send requests.
 *
 * @since 0.1.0
 */
export * as Target from "./Target.js"

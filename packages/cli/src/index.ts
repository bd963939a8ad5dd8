/**
 * @since 0.1.0
 */

/**
 * The `qfpay` commands.
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
 * Output and exit codes.
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

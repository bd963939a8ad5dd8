/**
 * Durable QFPay operations for Effect, on `@effect/workflow`. The stores are separate entry
 * points, so that only the driver you use is loaded: `@effect-qfpay/durable/DurableSqlite`
 * (embedded, one runner per file) and `@effect-qfpay/durable/DurablePg` (several runners).
 *
 * @since 0.2.0
 */

/**
 * Durable refunds, cancellations and undos, their status, and the in-memory layer.
 *
 * @since 0.2.0
 */
export * as Durable from "./Durable.js"

/**
 * Intents: the caller's idempotency keys, and the ids derived from them.
 *
 * @since 0.2.0
 */
export * as Intent from "./Intent.js"

/**
 * The journal of durable operations.
 *
 * @since 0.2.0
 */
export * as Journal from "./Journal.js"

/**
 * The workflows behind the durable operations.
 *
 * @since 0.2.0
 */
export * as Workflows from "./Workflows.js"

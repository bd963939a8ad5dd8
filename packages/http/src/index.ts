/**
 * @since 0.1.0
 */

/**
 * Reading untrusted request bodies: bounded size while streaming, bounded JSON nesting.
 *
 * @since 0.2.0
 */
export * as BoundedBody from "./BoundedBody.js"

/**
 * QFPay's hosts, or any base URL.
 *
 * @since 0.1.0
 */
export * as Environment from "./Environment.js"

/**
 * The transport over `@effect/platform`'s `HttpClient`, and its layers.
 *
 * @since 0.1.0
 */
export * as HttpTransport from "./HttpTransport.js"

/**
 * The lean transport for Node backends, straight over undici, and its layers.
 *
 * @since 0.2.0
 */
export * as NodeTransport from "./NodeTransport.js"

/**
 * Verifying and handling QFPay's asynchronous notifications.
 *
 * @since 0.1.0
 */
export * as NotificationHandler from "./NotificationHandler.js"

/**
 * Client-side rate limiting to QFPay's documented limits.
 *
 * @since 0.1.0
 */
export * as RateLimit from "./RateLimit.js"

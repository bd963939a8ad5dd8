/**
 * The QFPay endpoints this library calls, with their method and path from `Decisions`.
 *
 * @since 0.1.0
 */
import * as Decisions from "./Decisions.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Operation = keyof typeof Decisions.endpoints

/**
 * The operations that move money or change a payment: their outcome is unknown when a
 * response is lost, so they are never resubmitted blind.
 *
 * @since 0.1.0
 * @category models
 */
export type MutatingOperation = "refund" | "reversal" | "close" | "payment"

/**
 * @since 0.1.0
 * @category models
 */
export interface Endpoint {
  readonly operation: Operation
  readonly path: string
  readonly method: "GET" | "POST"
  readonly mutating: boolean
}

const make = (operation: Operation): Endpoint => ({
  operation,
  path: Decisions.endpoints[operation].path,
  method: Decisions.endpoints[operation].method,
  mutating: operation !== "query"
})

/**
 * @since 0.1.0
 * @category endpoints
 */
export const refund: Endpoint = make("refund")

/**
 * @since 0.1.0
 * @category endpoints
 */
export const reversal: Endpoint = make("reversal")

/**
 * @since 0.1.0
 * @category endpoints
 */
export const close: Endpoint = make("close")

/**
 * @since 0.1.0
 * @category endpoints
 */
export const query: Endpoint = make("query")

/**
 * Creates a payment. Only the test double serves it; the client does not create payments.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const payment: Endpoint = make("payment")

/**
 * @since 0.1.0
 * @category endpoints
 */
export const all: ReadonlyArray<Endpoint> = [refund, reversal, close, query, payment]

/**
 * @since 0.1.0
 * @category endpoints
 */
export const byOperation = (operation: Operation): Endpoint => all.find((e) => e.operation === operation)!

/**
 * Finds the endpoint served at a path, if any.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const byPath = (path: string): Endpoint | undefined => all.find((e) => e.path === path)

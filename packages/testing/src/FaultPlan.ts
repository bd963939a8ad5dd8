/**
 * Faults the simulated QFPay injects on the way in or out, per request: by explicit rules
 * (matched in order, each a number of times) or by a seeded plan.
 *
 * - `Latency`: the answer comes late (on `Clock`).
 * - `LostBefore`: nothing is applied; the client sees a transport failure.
 * - `LostAfter`: the request is applied and its answer lost: the ambiguous case.
 * - `RateLimited`: HTTP 429, nothing applied.
 * - `ServerError`: HTTP 5xx, applied or not.
 * - `NonJson`: an HTML body with HTTP 200, applied or not.
 * - `TruncatedJson`: the answer is applied and its JSON cut short.
 *
 * @since 0.1.0
 */
import type { Endpoint } from "@effect-qfpay/core"
import * as Prng from "./internal/prng.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Fault =
  | { readonly _tag: "Latency"; readonly millis: number }
  | { readonly _tag: "LostBefore" }
  | { readonly _tag: "LostAfter" }
  | { readonly _tag: "RateLimited"; readonly retryAfterSeconds?: number | undefined }
  | { readonly _tag: "ServerError"; readonly status: number; readonly applied: boolean }
  | { readonly _tag: "NonJson"; readonly applied: boolean }
  | { readonly _tag: "TruncatedJson" }

/**
 * @since 0.1.0
 * @category constructors
 */
export const latency = (millis: number): Fault => ({ _tag: "Latency", millis })

/**
 * @since 0.1.0
 * @category constructors
 */
export const lostBefore: Fault = { _tag: "LostBefore" }

/**
 * @since 0.1.0
 * @category constructors
 */
export const lostAfter: Fault = { _tag: "LostAfter" }

/**
 * @since 0.1.0
 * @category constructors
 */
export const rateLimited = (retryAfterSeconds?: number): Fault => ({ _tag: "RateLimited", retryAfterSeconds })

/**
 * @since 0.1.0
 * @category constructors
 */
export const serverError = (status = 502, applied = false): Fault => ({ _tag: "ServerError", status, applied })

/**
 * @since 0.1.0
 * @category constructors
 */
export const nonJson = (applied = true): Fault => ({ _tag: "NonJson", applied })

/**
 * @since 0.1.0
 * @category constructors
 */
export const truncatedJson: Fault = { _tag: "TruncatedJson" }

/**
 * What a rule or plan sees of a request.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestInfo {
  readonly operation: Endpoint.Operation
  readonly params: Readonly<Record<string, string>>
  /** This request's `index` in the simulator's log: it counts every request, from 0. */
  readonly index: number
}

/**
 * A fault for the requests it matches, `times` times (default once).
 *
 * @since 0.1.0
 * @category models
 */
export interface Rule {
  readonly operation?: Endpoint.Operation | undefined
  readonly match?: ((request: RequestInfo) => boolean) | undefined
  readonly fault: Fault
  readonly times?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  readonly decide: (request: RequestInfo) => Fault | undefined
}

/**
 * @since 0.1.0
 * @category plans
 */
export const none: Plan = { decide: () => undefined }

/**
 * @since 0.1.0
 * @category models
 */
export interface SeededOptions {
  /** Share of requests that meet a fault. Default 0.2. */
  readonly rate?: number | undefined
  /** Which faults to draw from. Default all but latency. */
  readonly faults?: ReadonlyArray<Fault["_tag"]> | undefined
  /** Only these operations meet faults. Default all. */
  readonly operations?: ReadonlyArray<Endpoint.Operation> | undefined
  /** Longest latency, in milliseconds. Default 2000. */
  readonly maxLatencyMillis?: number | undefined
}

/**
 * A deterministic random plan: the same seed meets the same requests with the same faults.
 *
 * @since 0.1.0
 * @category plans
 */
export const seeded = (seed: number, options: SeededOptions = {}): Plan => {
  const prng = Prng.make(seed)
  const rate = options.rate ?? 0.2
  const kinds = options.faults ??
    ["LostBefore", "LostAfter", "RateLimited", "ServerError", "NonJson", "TruncatedJson"] as const
  const maxLatency = options.maxLatencyMillis ?? 2000
  return {
    decide: (request) => {
      const roll = prng.next()
      const kind = kinds[prng.int(0, kinds.length - 1)]
      const flag = prng.next() < 0.5
      const millis = prng.int(1, maxLatency)
      if (options.operations !== undefined && !options.operations.includes(request.operation)) return undefined
      if (roll >= rate) return undefined
      switch (kind) {
        case "Latency":
          return latency(millis)
        case "LostBefore":
          return lostBefore
        case "LostAfter":
          return lostAfter
        case "RateLimited":
          return rateLimited(flag ? 1 : undefined)
        case "ServerError":
          return serverError(flag ? 500 : 503, prng.next() < 0.5)
        case "NonJson":
          return nonJson(flag)
        case "TruncatedJson":
          return truncatedJson
      }
    }
  }
}

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
 * - `Answer`: a QFPay answer with the given `respcd` instead of the real one, applied or not
 *   (a refund applied and answered 1295 "slow network"; an enquiry answering 1108).
 * - `Body`: an HTTP 200 answer with this exact body, applied or not (a stale enquiry row).
 * - `Tamper`: the real answer with some of its fields replaced (an answer that does not match
 *   the request).
 * - `BadSignature`: the real answer with an `X-QF-SIGN` header that does not verify.
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
  | { readonly _tag: "Answer"; readonly respcd: string; readonly applied: boolean }
  | { readonly _tag: "Body"; readonly body: string; readonly applied: boolean }
  | { readonly _tag: "Tamper"; readonly fields: Readonly<Record<string, string>> }
  | { readonly _tag: "BadSignature" }

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
 * A QFPay answer with this `respcd` (and its documented meaning) instead of the real one.
 * `applied: true` applies the request first, then answers with the code.
 *
 * @since 0.2.0
 * @category constructors
 */
export const answer = (respcd: string, applied = false): Fault => ({ _tag: "Answer", respcd, applied })

/**
 * An HTTP 200 answer with exactly this body.
 *
 * @since 0.2.0
 * @category constructors
 */
export const body = (text: string, applied = false): Fault => ({ _tag: "Body", body: text, applied })

/**
 * The real answer (the request is applied) with these fields replaced.
 *
 * @since 0.2.0
 * @category constructors
 */
export const tamper = (fields: Readonly<Record<string, string>>): Fault => ({ _tag: "Tamper", fields })

/**
 * The real answer, with a response signature that does not verify.
 *
 * @since 0.2.0
 * @category constructors
 */
export const badSignature: Fault = { _tag: "BadSignature" }

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

const appliedCodes: ReadonlyArray<string> = ["1295", "1296", "1205", "1298", "1102"]
const momentCodes: ReadonlyArray<string> = ["1100", "1205", "1295", "1102", "1145"]
const enquiryCodes: ReadonlyArray<string> = ["1100", "1205", "1104", "1108", "1145", "9999"]
// An enquiry that lags: it answers, and shows nothing.
const EMPTY_ENQUIRY = `{"respcd":"0000","resperr":"success","respmsg":"","page":"1","page_size":"100","data":[]}`

/**
 * Every fault kind a seeded plan can draw. The default draws the transport faults (all but
 * latency and the QFPay-level answers); `all` adds latency, codes answered instead of the real
 * answer (some after applying the request), enquiries that lag, unreadable bodies and tampered
 * answers.
 *
 * @since 0.2.0
 * @category plans
 */
export const allKinds: ReadonlyArray<Fault["_tag"]> = [
  "Latency",
  "LostBefore",
  "LostAfter",
  "RateLimited",
  "ServerError",
  "NonJson",
  "TruncatedJson",
  "Answer",
  "Body",
  "Tamper"
]

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
      const pick = prng.next()
      if (options.operations !== undefined && !options.operations.includes(request.operation)) return undefined
      if (roll >= rate) return undefined
      const mutating = request.operation !== "query"
      switch (kind) {
        case "Answer": {
          // What a server may answer at any moment: "retry later", "slow network", "duplicate",
          // "processing", applied or not. A request error (1104, 1108) or an unknown code comes
          // from the request itself, so a server gives it to every attempt or to none: as a
          // one-off answer to a refund already applied it would be a lie no client can see
          // through. Enquiries may answer anything.
          const codes = !mutating ? enquiryCodes : flag ? appliedCodes : momentCodes
          return answer(codes[Math.floor(pick * codes.length)], mutating && flag)
        }
        case "Body":
          return mutating ? body(flag ? "" : "<html>oops</html>", prng.next() < 0.5) : body(EMPTY_ENQUIRY)
        case "Tamper":
          return mutating ? tamper(flag ? { out_trade_no: "SOMEONE-ELSE" } : { txamt: "1" }) : undefined
        case "BadSignature":
          return badSignature
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

/**
 * The one swap point between the programs and the outside world: send one signed request,
 * get the raw answer back. The HTTP layer (`@effect-qfpay/http`) and the test layer
 * (`@effect-qfpay/testing`) implement it; core imports neither.
 *
 * A transport reports failures it saw on the wire as `TransportError`, saying whether the
 * request may have reached the server (`ambiguous`). It returns any HTTP answer, whatever its
 * status: the programs decide what 429, 5xx and a broken body mean.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Endpoint } from "./Endpoint.js"
import type { TransportError } from "./QFPayError.js"
import type { RateLimiter } from "./RateLimit.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface TransportRequest {
  readonly endpoint: Endpoint
  /** The wire parameters, as signed: a form body for POST, a query string for GET. */
  readonly params: Readonly<Record<string, string>>
  /** `X-QF-APPCODE`, `X-QF-SIGN` and, for SHA-256, `X-QF-SIGNTYPE`. */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TransportResponse {
  readonly status: number
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /**
   * The body already parsed, when the transport has it as an object (the in-memory test
   * transport): the client reads it instead of parsing `body`, which it then reads only for
   * messages and signatures. It must be what `JSON.parse(body)` gives. HTTP transports leave it
   * out.
   *
   * @since 0.2.0
   */
  readonly json?: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly send: (request: TransportRequest) => Effect.Effect<TransportResponse, TransportError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Transport extends Context.Tag("@effect-qfpay/core/Transport")<Transport, Service>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (send: Service["send"]): Service => Transport.of({ send })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (send: Service["send"]): Layer.Layer<Transport> => Layer.succeed(Transport, make(send))

/**
 * The same transport with every request through a rate limiter (`RateLimit.make`).
 *
 * @since 0.2.0
 * @category combinators
 */
export const rateLimited = (service: Service, limiter: RateLimiter): Service =>
  make((request) => limiter(service.send(request)))

/**
 * The lean transport for Node backends: core's `Transport` straight over undici's dispatcher,
 * through a keep-alive `Agent` of its own. QFPay's wire format, the failure mapping, the
 * redaction of signatures and the rate limiting are those of `HttpTransport` (the two share one
 * internal module); what it leaves out is `@effect/platform`'s client in between. Per request:
 * one `Effect.async`, one timer for the whole deadline, and a client span only under a tracer
 * that records it.
 *
 * Pick it for a Node backend. Pick `HttpTransport` to compose your own `HttpClient`
 * middleware, or to run outside Node.
 *
 * It never retries, and says whether a failed request may have reached QFPay: undici tells it
 * when it hands the request a socket, so a request that never got one (refused, unresolvable,
 * or still waiting for a connection at the deadline) did not; one written and then cut off or
 * unanswered may have.
 *
 * @since 0.2.0
 */
import { QFPayConfig, type QFPayError, Transport } from "@effect-qfpay/core"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Tracer from "effect/Tracer"
import { Buffer } from "node:buffer"
import { Agent, type Dispatcher } from "undici"
import * as HttpTransport from "./HttpTransport.js"
import * as Internal from "./internal/transport.js"
import type * as RateLimit from "./RateLimit.js"

/**
 * `HttpTransport`'s options, and the dispatcher to send through.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends HttpTransport.Options {
  /**
   * An undici dispatcher of your own (a proxy agent, a `MockAgent`, an `Agent` you tune or
   * share); the layer leaves it open. By default the layer opens a keep-alive `Agent` and closes
   * it when released.
   */
  readonly dispatcher?: Dispatcher | undefined
}

type Resume = (effect: Effect.Effect<Transport.TransportResponse, QFPayError.TransportError>) => void

// One request in flight: undici's handler, the deadline's timer and the fiber's callback. It
// resumes the fiber once, with whatever comes first: the answer, a failure, or the deadline.
class Exchange implements Dispatcher.DispatchHandler {
  // Set when undici hands the request a socket, just before writing it: from then on the
  // request may reach QFPay.
  private controller: Dispatcher.DispatchController | undefined = undefined
  private done = false
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  private status = 0
  private headers: Record<string, string> = {}
  private chunks: Array<Buffer> = []
  private size = 0

  constructor(
    private readonly endpoint: string,
    private readonly timeout: Duration.Duration,
    private readonly resume: Resume,
    private readonly span: Tracer.Span | undefined
  ) {}

  start(millis: number | undefined): void {
    if (millis !== undefined) this.timer = setTimeout(() => this.expire(), millis)
  }

  /** Interrupted: abort without resuming. */
  cancel(): void {
    this.finish()
    this.abort()
  }

  private expire(): void {
    this.timer = undefined
    this.settle(Exit.fail(Internal.timedOut(this.endpoint, this.timeout, { written: this.controller !== undefined })))
    this.abort()
  }

  private finish(): boolean {
    if (this.done) return false
    this.done = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    return true
  }

  private settle(exit: Exit.Exit<Transport.TransportResponse, QFPayError.TransportError>): void {
    if (this.finish()) this.resume(exit)
  }

  // Before undici handed out a socket there is nothing to abort yet: `onRequestStart` does it.
  private abort(): void {
    this.controller?.abort(new Error("aborted: deadline passed or fiber interrupted"))
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    // Given up while waiting for a connection: abort before a byte is written.
    if (this.done) this.abort()
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | Array<string> | undefined>
  ): void {
    // 1xx: informational, the answer follows.
    if (statusCode < 200) return
    this.status = statusCode
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined) this.headers[name] = typeof value === "string" ? value : value.join(", ")
    }
    this.span?.attribute("http.response.status_code", statusCode)
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk)
    this.size += chunk.length
  }

  onResponseEnd(): void {
    if (this.done) return
    // Decoded once, whole: a character split across chunks stays whole.
    const bytes = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size)
    const body = Internal.withoutBom(bytes.toString("utf8"))
    this.settle(Exit.succeed({ status: this.status, headers: this.headers, body }))
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.done) return
    this.settle(Exit.fail(Internal.failure(this.endpoint, error, { written: this.controller !== undefined })))
  }
}

const spanOptions = { kind: "client", captureStackTrace: false } as const

// Effect's built-in tracer keeps spans for nobody: no exporter sees them, and nothing runs
// inside this one to look at it. With it, the span would be invisible and still cost a few
// microseconds a request (`pnpm bench`); it is made only under a tracer of your own
// (OpenTelemetry's, say), and not when tracing is turned off.
const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * A transport to `baseUrl` through the given dispatcher.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: {
  readonly baseUrl: string
  readonly dispatcher: Dispatcher
  readonly timeout?: Duration.DurationInput | undefined
  readonly rateLimiter?: RateLimit.RateLimiter | undefined
}): Transport.Service => {
  const { dispatcher } = options
  const timeout = Duration.decode(options.timeout ?? Internal.DEFAULT_TIMEOUT)
  const millis = Internal.timerMillis(timeout)
  const limit = options.rateLimiter
  let base: URL | undefined
  try {
    base = new URL(options.baseUrl)
  } catch {
    base = undefined
  }
  const origin = base?.origin
  const prefix = base === undefined ? "" : base.pathname.replace(/\/+$/, "")
  return Transport.make((request) => {
    const operation = request.endpoint.operation
    if (origin === undefined) {
      return Effect.fail(
        Internal.failure(operation, new TypeError(`invalid base URL ${JSON.stringify(options.baseUrl)}`), {
          written: false
        })
      )
    }
    const wire = Internal.toWire(request)
    const dispatch: Dispatcher.DispatchOptions = {
      origin,
      path: prefix + wire.path,
      method: wire.method,
      headers: wire.headers,
      body: wire.body ?? null
    }
    const exchange = (span: Tracer.Span | undefined) =>
      // One parameter: `Effect.async` then makes no AbortController of its own.
      Effect.async<Transport.TransportResponse, QFPayError.TransportError>((resume) => {
        const handler = new Exchange(operation, timeout, resume, span)
        handler.start(millis)
        try {
          dispatcher.dispatch(dispatch, handler)
        } catch (error) {
          handler.onResponseError(undefined, error as Error)
        }
        return Effect.sync(() => handler.cancel())
      })
    const traced = Effect.withFiberRuntime<Transport.TransportResponse, QFPayError.TransportError>((fiber) =>
      fiber.currentTracer !== nativeTracer && fiber.getFiberRef(FiberRef.currentTracerEnabled)
        ? Effect.useSpan(`http.client ${wire.method}`, spanOptions, (span) => {
          span.attribute("http.request.method", wire.method)
          span.attribute("server.address", base!.hostname)
          if (base!.port !== "") span.attribute("server.port", Number(base!.port))
          span.attribute("url.full", origin + dispatch.path)
          for (const name in wire.headers) {
            const key = name.toLowerCase()
            span.attribute(
              `http.request.header.${key}`,
              Internal.isRedacted(key) ? "<redacted>" : wire.headers[name]
            )
          }
          return exchange(span)
        })
        : exchange(undefined)
    )
    return limit === undefined ? traced : limit(traced)
  })
}

/**
 * The transport as a layer, from options. The rate limiter is shared by everything that uses
 * this layer: submits and polling alike.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerTransport = (options: Options): Layer.Layer<Transport.Transport, ConfigError.ConfigError> =>
  Layer.scoped(
    Transport.Transport,
    Effect.gen(function*() {
      const baseUrl = yield* Internal.baseUrlOf(options.environment)
      const dispatcher = options.dispatcher ?? (yield* Effect.acquireRelease(
        // Keep-alive is undici's default: connections are reused across requests.
        Effect.sync(() => new Agent()),
        // Graceful: a request still in flight (there should be none) may finish.
        (agent) => Effect.promise(() => agent.close().catch(() => undefined))
      ))
      return make({
        baseUrl,
        dispatcher,
        timeout: options.timeout,
        rateLimiter: Internal.rateLimiterOf(options.rateLimit)
      })
    })
  )

/**
 * The transport and the configuration: all a program needs.
 *
 * ```ts
 * const QFPayLive = NodeTransport.layer({
 *   environment: "test",
 *   appCode: "…",
 *   clientKey: Redacted.make("…")
 * })
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options & QFPayConfig.Options
): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError> =>
  Layer.merge(layerTransport(options), QFPayConfig.layer(options))

/**
 * `layer` from `Config`, by default from the environment variables of `HttpTransport.fromEnv`
 * (`QFPAY_APP_CODE`, `QFPAY_CLIENT_KEY`, `QFPAY_ENV`, …). Extra options (a dispatcher, poll and
 * retry policies, routing, rate limits) are merged over what the config gives.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<HttpTransport.Options & QFPayConfig.Options> = HttpTransport.fromEnv,
  overrides: Partial<Options & QFPayConfig.Options> = {}
): Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(config, (options) => layer({ ...options, ...overrides })))

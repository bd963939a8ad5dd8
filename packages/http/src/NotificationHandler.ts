/**
 * Receiving QFPay's asynchronous notifications: verify `X-QF-SIGN` over the raw body bytes,
 * decode the JSON, hand it to your effect, and answer `SUCCESS` only after that effect
 * succeeded.
 *
 * QFPay retries a notification until it is answered `SUCCESS` (after 2m, 10m, 10m, 60m, 2h,
 * 6h and 15h), so the same notification can arrive more than once: your effect receives its
 * `identity` (notification type and transaction number) to de-duplicate on.
 *
 * ```ts
 * HttpRouter.empty.pipe(
 *   HttpRouter.post("/qfpay/notify", NotificationHandler.handler({
 *     clientKey: Redacted.make(process.env.QFPAY_CLIENT_KEY!),
 *     onNotification: (notification, identity) => recordOnce(identity, notification)
 *   }))
 * )
 * ```
 *
 * Hostile input gets a short answer and never a 500 (a 500 asks QFPay to deliver again, which
 * only "your effect failed" should): a body over `maxBodyBytes` (64 KiB by default) is refused
 * with 413 while it streams; a missing or wrong signature, a `content-type` other than
 * `application/json`, bytes that are not UTF-8, JSON nested deeper than {@link maxJsonDepth} or
 * JSON that is not a notification get a 400 with one line of reason. The signature is checked
 * over the raw bytes before anything is parsed.
 *
 * The platform's server spans record request headers: to keep signatures out of traces, serve
 * with `Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, "x-qf-sign"])`.
 *
 * @since 0.1.0
 */
import { Notification, Signature } from "@effect-qfpay/core"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Body from "./BoundedBody.js"

/**
 * A notification that could not be read: no signature, a body that is not JSON, or JSON that
 * is not a payment or refund notification.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidNotification extends Schema.TaggedError<InvalidNotification>(
  "@effect-qfpay/http/InvalidNotification"
)("InvalidNotification", { reason: Schema.String }) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `invalid QFPay notification: ${this.reason}`
  }
}

/**
 * A notification body larger than the handler accepts: refused before it was read whole.
 *
 * @since 0.2.0
 * @category errors
 */
export class NotificationTooLarge extends Schema.TaggedError<NotificationTooLarge>(
  "@effect-qfpay/http/NotificationTooLarge"
)("NotificationTooLarge", { limit: Schema.Number }) {
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `invalid QFPay notification: the body is larger than ${this.limit} bytes`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Verified {
  readonly notification: Notification.Notification
  /** The key to de-duplicate redeliveries on. */
  readonly identity: string
}

/**
 * The body size a handler accepts unless told otherwise: 64 KiB. QFPay's notifications are
 * about 1 KiB.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxBodyBytes = 64 * 1024

/**
 * How deep a notification's JSON may nest: deeper is refused before `JSON.parse` sees it (a
 * count of brackets outside strings, one pass). QFPay's notifications are flat.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxJsonDepth = Body.maxJsonDepth

const decode = Schema.decodeUnknownEither(Notification.Notification)

/**
 * Verifies and decodes a raw notification body: the signature over these exact bytes first,
 * then UTF-8, nesting, JSON and the notification schema.
 *
 * @since 0.1.0
 * @category verification
 */
export const verifyBody = (
  rawBody: Uint8Array,
  signature: string | undefined,
  clientKey: Redacted.Redacted<string> | string
): Either.Either<Verified, InvalidNotification | Signature.SignatureMismatch> => {
  if (signature === undefined || signature.trim() === "") {
    return Either.left(new InvalidNotification({ reason: "no X-QF-SIGN header" }))
  }
  if (!Signature.verifyNotification(rawBody, signature, clientKey)) {
    return Either.left(new Signature.SignatureMismatch({ what: "notification" }))
  }
  const invalid = (reason: string) => new InvalidNotification({ reason })
  return Body.decodeUtf8(rawBody).pipe(
    Either.flatMap((text) => Body.parseJson(text)),
    Either.flatMap((json) => Either.mapLeft(decode(json), Body.firstIssue)),
    Either.mapBoth({
      onLeft: invalid,
      onRight: (notification) => ({ notification, identity: Notification.identity(notification) })
    })
  )
}

/**
 * Options for reading a notification from a request.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReadOptions {
  /**
   * The largest body read, in bytes (default {@link defaultMaxBodyBytes}). A larger declared
   * `content-length` is refused before a byte is read; a chunked body stops being read as soon
   * as it passes the limit (on Node the platform then resets the connection).
   */
  readonly maxBodyBytes?: number | undefined
}

/**
 * Verifies the notification in the current request: the headers first (size, signature,
 * `content-type: application/json`, as QFPay sends), then at most `maxBodyBytes` of raw bytes.
 *
 * @since 0.1.0
 * @category verification
 */
export const verifyNotification = (
  request: HttpServerRequest.HttpServerRequest,
  clientKey: Redacted.Redacted<string> | string,
  options: ReadOptions = {}
): Effect.Effect<Verified, InvalidNotification | NotificationTooLarge | Signature.SignatureMismatch> =>
  Effect.suspend(() => {
    const limit = Body.checkLimit("maxBodyBytes", options.maxBodyBytes ?? defaultMaxBodyBytes)
    const declared = Body.declaredLength(request)
    if (declared !== undefined && declared > limit) return Effect.fail(new NotificationTooLarge({ limit }))
    const signature = request.headers["x-qf-sign"]
    if (signature === undefined || signature.trim() === "") {
      return Effect.fail(new InvalidNotification({ reason: "no X-QF-SIGN header" }))
    }
    const contentType = Body.mediaType(request.headers["content-type"])
    if (contentType !== "application/json") {
      return Effect.fail(
        new InvalidNotification({
          reason: `content-type: expected application/json, got ${
            contentType === undefined ? "none" : Body.oneLine(contentType, 80)
          }`
        })
      )
    }
    return Body.readBody(request, limit).pipe(
      Effect.mapError((failure) =>
        failure._tag === "TooLarge"
          ? new NotificationTooLarge({ limit })
          : new InvalidNotification({ reason: "the body could not be read" })
      ),
      Effect.flatMap((bytes) => verifyBody(bytes, signature, clientKey))
    )
  })

/**
 * @since 0.1.0
 * @category models
 */
export interface HandlerOptions<E, R> extends ReadOptions {
  readonly clientKey: Redacted.Redacted<string> | string
  /** Runs once per delivery. `SUCCESS` is answered only when it succeeds. */
  readonly onNotification: (notification: Notification.Notification, identity: string) => Effect.Effect<void, E, R>
}

/**
 * An HTTP handler for QFPay's notifications: 413 for a body over `maxBodyBytes`, 400 with one
 * line of reason for anything else it cannot accept (no or wrong signature, wrong content type,
 * not a notification), and no `SUCCESS` either way; 500 (QFPay will retry) only when your
 * effect fails; 200 `SUCCESS` once it succeeded.
 *
 * @since 0.1.0
 * @category handlers
 */
export const handler = <E, R>(
  options: HandlerOptions<E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> => {
  // A wrong limit is a programming error: say so when the handler is built, not per request.
  Body.checkLimit("maxBodyBytes", options.maxBodyBytes ?? defaultMaxBodyBytes)
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const verified = yield* Effect.either(verifyNotification(request, options.clientKey, options))
    if (Either.isLeft(verified)) {
      const error = verified.left
      yield* Effect.logWarning("QFPay notification refused").pipe(Effect.annotateLogs({ reason: error.message }))
      // The body may be unread: closing the connection spares reading the rest of it.
      return HttpServerResponse.text(error.message, {
        status: error._tag === "NotificationTooLarge" ? 413 : 400,
        headers: { connection: "close" }
      })
    }
    const { identity, notification } = verified.right
    const handled = yield* Effect.exit(options.onNotification(notification, identity))
    if (handled._tag === "Failure") {
      yield* Effect.logError("QFPay notification handler failed; QFPay will deliver it again", handled.cause).pipe(
        Effect.annotateLogs({ identity })
      )
      return HttpServerResponse.text("FAIL", { status: 500 })
    }
    return HttpServerResponse.text("SUCCESS", { status: 200 })
  }).pipe(Effect.withSpan("QFPay.notification", { captureStackTrace: false }))
}

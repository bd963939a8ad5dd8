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
 * @since 0.1.0
 */
import { Notification, Signature } from "@effect-qfpay/core"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

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
 * @since 0.1.0
 * @category models
 */
export interface Verified {
  readonly notification: Notification.Notification
  /** The key to de-duplicate redeliveries on. */
  readonly identity: string
}

const decoder = new TextDecoder("utf-8", { fatal: true })
const decode = Schema.decodeUnknownEither(Notification.Notification)

/**
 * Verifies and decodes a raw notification body.
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
  let json: unknown
  try {
    json = JSON.parse(decoder.decode(rawBody))
  } catch {
    return Either.left(new InvalidNotification({ reason: "the body is not UTF-8 JSON" }))
  }
  return Either.match(decode(json), {
    onLeft: (e) => Either.left(new InvalidNotification({ reason: ParseResult.TreeFormatter.formatErrorSync(e) })),
    onRight: (notification) => Either.right({ notification, identity: Notification.identity(notification) })
  })
}

/**
 * Verifies the notification in the current request, reading its raw bytes.
 *
 * @since 0.1.0
 * @category verification
 */
export const verifyNotification = (
  request: HttpServerRequest.HttpServerRequest,
  clientKey: Redacted.Redacted<string> | string
): Effect.Effect<Verified, InvalidNotification | Signature.SignatureMismatch> =>
  Effect.flatMap(
    Effect.mapError(request.arrayBuffer, () => new InvalidNotification({ reason: "the body could not be read" })),
    (buffer) => verifyBody(new Uint8Array(buffer), request.headers["x-qf-sign"], clientKey)
  )

/**
 * @since 0.1.0
 * @category models
 */
export interface HandlerOptions<E, R> {
  readonly clientKey: Redacted.Redacted<string> | string
  /** Runs once per delivery. `SUCCESS` is answered only when it succeeds. */
  readonly onNotification: (notification: Notification.Notification, identity: string) => Effect.Effect<void, E, R>
}

/**
 * An HTTP handler for QFPay's notifications: 400 and no `SUCCESS` for a missing or wrong
 * signature or a body it cannot read; 500 (QFPay will retry) when your effect fails; 200
 * `SUCCESS` once it succeeded.
 *
 * @since 0.1.0
 * @category handlers
 */
export const handler = <E, R>(
  options: HandlerOptions<E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const verified = yield* Effect.either(verifyNotification(request, options.clientKey))
    if (Either.isLeft(verified)) {
      yield* Effect.logWarning("QFPay notification refused").pipe(
        Effect.annotateLogs({ reason: verified.left.message })
      )
      return HttpServerResponse.text(verified.left.message, { status: 400 })
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

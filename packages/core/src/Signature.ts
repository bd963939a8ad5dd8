/**
 * QFPay request and notification signatures (PROTOCOL.md §2). Pure and synchronous.
 *
 * Request signature: take the parameters whose value is present and non-empty, sort them by
 * name (code-unit order), join them as `name=value` with `&` (values raw, not URL-encoded),
 * append the client key with no separator, and hash the UTF-8 bytes with MD5 (default) or
 * SHA-256. The signature is the upper-case hex digest.
 *
 * Notification signature: the upper-case MD5 of the raw body bytes followed by the client key.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Decisions from "./Decisions.js"
import { md5, md5Hex } from "./internal/md5.js"
import { sha256 } from "./internal/sha256.js"

/**
 * @since 0.1.0
 * @category models
 */
export type SignType = "MD5" | "SHA256"

/**
 * @since 0.1.0
 * @category schemas
 */
export const SignType: Schema.Schema<SignType> = Schema.Literal("MD5", "SHA256").annotations({
  identifier: "SignType",
  message: () => ({ message: "expected MD5 or SHA256", override: true })
})

/**
 * What can be signed: parameter names to values. `undefined`, `null` and empty values are
 * left out of the signature.
 *
 * @since 0.1.0
 * @category models
 */
export type Params = Readonly<Record<string, string | number | undefined | null>>

/**
 * A client key, plain or `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export type Key = string | Redacted.Redacted<string>

const encoder = new TextEncoder()

const HEX = "0123456789ABCDEF"

const toHex = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i++) {
    out += HEX[bytes[i] >>> 4] + HEX[bytes[i] & 15]
  }
  return out
}

const keyValue = (key: Key): string => typeof key === "string" ? key : Redacted.value(key)

/**
 * The digest QFPay signs with, as upper-case hex.
 *
 * @since 0.1.0
 * @category digests
 */
export const digest = (bytes: Uint8Array, signType: SignType = "MD5"): string =>
  toHex(signType === "SHA256" ? sha256(bytes) : md5(bytes))

/**
 * The string that is signed, without the key (PROTOCOL §2 steps 1–3 without the key):
 * present, non-empty parameters sorted by name and joined as `name=value` with `&`.
 *
 * @since 0.1.0
 * @category signing
 */
export const canonical = (params: Params): string => {
  const names = Object.keys(params).sort()
  let out = ""
  for (const name of names) {
    const value = params[name]
    if (value === undefined || value === null) continue
    const text = typeof value === "string" ? value : String(value)
    if (text === "") continue
    out += out === "" ? `${name}=${text}` : `&${name}=${text}`
  }
  return out
}

/**
 * Signs request parameters: the upper-case hex digest of the canonical string followed
 * directly by the client key.
 *
 * @since 0.1.0
 * @category signing
 */
export const sign = (params: Params, key: Key, signType: SignType = "MD5"): string => {
  const text = canonical(params) + keyValue(key)
  if (signType === "SHA256") return digest(encoder.encode(text), signType)
  // The hot path: UTF-8 into a reused buffer, no allocation but the result.
  const needed = text.length * 3
  if (scratch.length < needed) scratch = new Uint8Array(Math.max(needed, scratch.length * 2))
  const { written } = encoder.encodeInto(text, scratch)
  return md5Hex(scratch, written)
}

let scratch = new Uint8Array(1024)

/**
 * Compares two hex signatures in time that does not depend on where they differ, ignoring case.
 *
 * @since 0.1.0
 * @category verification
 */
export const equals = (expected: string, actual: string): boolean => {
  if (expected.length !== actual.length) return false
  let diff = 0
  for (let i = 0; i < expected.length; i++) {
    let a = expected.charCodeAt(i)
    let b = actual.charCodeAt(i)
    if (Decisions.signatureCaseInsensitive) {
      // ASCII lower case to upper case, without branching on the data.
      a -= ((a >= 97) && (a <= 122) ? 1 : 0) * 32
      b -= ((b >= 97) && (b <= 122) ? 1 : 0) * 32
    }
    diff |= a ^ b
  }
  return diff === 0
}

/**
 * Verifies a request signature (as a server does): case-insensitive, constant-time.
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = (params: Params, signature: string, key: Key, signType: SignType = "MD5"): boolean =>
  equals(sign(params, key, signType), signature.trim())

const concat = (body: Uint8Array | string, key: Key): Uint8Array => {
  const bodyBytes = typeof body === "string" ? encoder.encode(body) : body
  const keyBytes = encoder.encode(keyValue(key))
  const bytes = new Uint8Array(bodyBytes.length + keyBytes.length)
  bytes.set(bodyBytes, 0)
  bytes.set(keyBytes, bodyBytes.length)
  return bytes
}

/**
 * Signs a notification body the way QFPay does: the digest of the raw body bytes followed by
 * the client key. A string body is taken as its UTF-8 bytes. Tests and simulators use it.
 *
 * @since 0.1.0
 * @category notifications
 */
export const signNotification = (rawBody: Uint8Array | string, key: Key, signType: SignType = "MD5"): string =>
  digest(concat(rawBody, key), signType)

/**
 * Verifies a notification's `X-QF-SIGN` over the raw body bytes: never re-serialise the JSON
 * before verifying. Case-insensitive, constant-time.
 *
 * @since 0.1.0
 * @category notifications
 */
export const verifyNotification = (
  rawBody: Uint8Array | string,
  signature: string,
  key: Key,
  signType: SignType = "MD5"
): boolean => equals(signNotification(rawBody, key, signType), signature.trim())

/**
 * A signature that did not match.
 *
 * @since 0.1.0
 * @category errors
 */
export class SignatureMismatch extends Schema.TaggedError<SignatureMismatch>("@effect-qfpay/core/SignatureMismatch")(
  "SignatureMismatch",
  {
    what: Schema.Literal("request", "response", "notification")
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `the ${this.what} signature (X-QF-SIGN) does not match: wrong client key, or the ${this.what} was altered`
  }
}

/**
 * Verifies a notification body, failing with `SignatureMismatch`.
 *
 * @since 0.1.0
 * @category notifications
 */
export const verifyNotificationEffect = (
  rawBody: Uint8Array | string,
  signature: string,
  key: Key,
  signType: SignType = "MD5"
): Effect.Effect<void, SignatureMismatch> =>
  Effect.suspend(() =>
    verifyNotification(rawBody, signature, key, signType)
      ? Effect.void
      : Effect.fail(new SignatureMismatch({ what: "notification" }))
  )

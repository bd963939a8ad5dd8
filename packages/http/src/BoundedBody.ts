/**
 * Reading untrusted request bodies: bounded in size while they stream, bounded in JSON nesting
 * before `JSON.parse`, and every refusal one line of text. The notification handler reads with
 * it, and so does the sandbox server (`@effect-qfpay/testing`); a server of your own can too.
 *
 * @since 0.2.0
 */
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"

/**
 * How deep JSON may nest before it is refused unparsed. QFPay's notifications are flat (depth
 * 1) and the sandbox's admin bodies nest 3 levels; 64 leaves room for any honest use while a
 * "bomb" of thousands of brackets never reaches `JSON.parse` or a schema's error formatter,
 * whose recursion is what a bomb attacks.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxJsonDepth = 64

/**
 * Whether `text` opens more than `limit` arrays or objects at once, counting brackets outside
 * strings. One pass, no allocation. For valid JSON the count is exactly the nesting; for
 * invalid JSON it may be anything, but then `JSON.parse` refuses it anyway.
 *
 * @since 0.2.0
 * @category reading
 */
export const nestsDeeperThan = (text: string, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // a backslash escapes the next character, a quote included
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}

/**
 * `JSON.parse`, refusing deep nesting first; the reason on the left.
 *
 * @since 0.2.0
 * @category reading
 */
export const parseJson = (text: string, maxDepth: number = maxJsonDepth): Either.Either<unknown, string> => {
  if (nestsDeeperThan(text, maxDepth)) return Either.left(`the JSON is nested more than ${maxDepth} levels deep`)
  try {
    return Either.right(JSON.parse(text))
  } catch (e) {
    return Either.left(`the body is not JSON (${e instanceof Error ? e.message : String(e)})`)
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * UTF-8 text, refusing bytes that are not UTF-8 rather than replacing them.
 *
 * @since 0.2.0
 * @category reading
 */
export const decodeUtf8 = (bytes: Uint8Array): Either.Either<string, string> => {
  try {
    return Either.right(utf8.decode(bytes))
  } catch {
    return Either.left("the body is not UTF-8")
  }
}

/**
 * One line of at most `max` characters: reasons go into one-line answers and log lines, and may
 * quote what the client sent.
 *
 * @since 0.2.0
 * @category reading
 */
export const oneLine = (text: string, max = 300): string => {
  const line = text.replace(/\s*[\r\n]+\s*/g, " ").trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/**
 * The first problem a schema found, as `path: message` on one line.
 *
 * @since 0.2.0
 * @category reading
 */
export const firstIssue = (error: ParseResult.ParseError): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (issue === undefined) return "does not match"
  return oneLine(issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`)
}

/**
 * The media type of a `content-type` header, lower case, without parameters.
 *
 * @since 0.2.0
 * @category reading
 */
export const mediaType = (header: string | undefined): string | undefined =>
  header === undefined ? undefined : header.split(";")[0].trim().toLowerCase()

/**
 * The declared `content-length`, when there is a valid one.
 *
 * @since 0.2.0
 * @category reading
 */
export const declaredLength = (request: HttpServerRequest.HttpServerRequest): number | undefined => {
  const header = request.headers["content-length"]
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined
}

/**
 * Why a body was not read.
 *
 * @since 0.2.0
 * @category reading
 */
export type ReadFailure = { readonly _tag: "TooLarge" } | { readonly _tag: "Unreadable" }

/**
 * The body's bytes, at most `maxBytes` of them.
 *
 * A declared `content-length` over the limit is refused before a byte is read, so the caller
 * can answer 413 at once. Otherwise the platform reads under `HttpIncomingMessage.MaxBodySize`,
 * which stops reading as soon as the limit is passed; on Node (`@effect/platform-node` 0.108) it
 * then destroys the request stream, which resets the connection: a chunked body over the limit
 * gets a reset rather than the 413, but is never read further.
 *
 * @since 0.2.0
 * @category reading
 */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number
): Effect.Effect<Uint8Array, ReadFailure> => {
  const declared = declaredLength(request)
  if (declared !== undefined && declared > maxBytes) return Effect.fail({ _tag: "TooLarge" })
  return request.arrayBuffer.pipe(
    HttpIncomingMessage.withMaxBodySize(Option.some(maxBytes)),
    Effect.map((buffer) => new Uint8Array(buffer)),
    Effect.mapError((error): ReadFailure =>
      // The platform's only sign that the limit was passed is its error's cause.
      /maxBytes/.test(String(error.cause)) ? { _tag: "TooLarge" } : { _tag: "Unreadable" }
    )
  )
}

/**
 * Checks a byte limit given as an option: a positive whole number.
 *
 * @since 0.2.0
 * @category reading
 */
export const checkLimit = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name}: expected a positive whole number of bytes, got ${value}`)
  }
  return value
}

/**
 * Reading the sandbox's requests: `@effect-qfpay/http`'s `BoundedBody` (bounded size, bounded
 * JSON nesting, one-line refusals), and forms and paths decoded strictly.
 *
 * @internal
 */
import { oneLine } from "@effect-qfpay/http/BoundedBody"
import * as Either from "effect/Either"

export {
  checkLimit,
  declaredLength,
  decodeUtf8,
  firstIssue,
  maxJsonDepth,
  mediaType,
  nestsDeeperThan,
  oneLine,
  parseJson,
  readBody,
  type ReadFailure
} from "@effect-qfpay/http/BoundedBody"

const decodeComponent = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/**
 * A percent-encoded path segment, decoded; the reason on the left when its escapes are not
 * percent-encoded UTF-8.
 *
 * @internal
 */
export const decodePathSegment = (segment: string): Either.Either<string, string> => {
  const decoded = decodeComponent(segment)
  return decoded === undefined
    ? Either.left(`bad percent-encoding in the path: ${oneLine(segment, 80)}`)
    : Either.right(decoded)
}

/**
 * An `application/x-www-form-urlencoded` body or query string, decoded strictly: where
 * `URLSearchParams` would keep a bad escape (`%ZZ`, `%E0%A4%A`) as it is, this refuses it, so
 * a client's encoding bug shows here rather than as a signature mismatch. A repeated name keeps
 * its last value. The names are own properties of the result (`__proto__` included), never
 * looked up on a prototype.
 *
 * @internal
 */
export const parseForm = (text: string): Either.Either<Record<string, string>, string> => {
  const entries: Array<[string, string]> = []
  for (const pair of text.split("&")) {
    if (pair === "") continue
    const eq = pair.indexOf("=")
    const rawName = eq < 0 ? pair : pair.slice(0, eq)
    const rawValue = eq < 0 ? "" : pair.slice(eq + 1)
    const name = decodeComponent(rawName.replaceAll("+", " "))
    const value = decodeComponent(rawValue.replaceAll("+", " "))
    if (name === undefined || value === undefined) {
      return Either.left(`bad percent-encoding in the form: ${oneLine(pair, 80)}`)
    }
    entries.push([name, value])
  }
  // fromEntries defines own properties: a field named __proto__ stays a field.
  return Either.right(Object.fromEntries(entries))
}

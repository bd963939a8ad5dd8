/**
 * Where requests go: QFPay's production, live-test and card-sandbox hosts, or any base URL
 * (regional hosts such as `https://openapi-sg.qfapi.com`, or a local sandbox server).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"

/**
 * @since 0.1.0
 * @category constants
 */
export const hosts = {
  /** Real money. */
  production: "https://openapi-hk.qfapi.com",
  /** The real flow, not settled. */
  test: "https://test-openapi-hk.qfapi.com",
  /** QFPay's card sandbox. */
  sandbox: "https://openapi-int.qfapi.com"
} as const

/**
 * @since 0.1.0
 * @category models
 */
export type Name = keyof typeof hosts

/**
 * The environment names, in the order messages list them.
 *
 * @since 0.2.0
 * @category constants
 */
export const names: ReadonlyArray<Name> = ["production", "test", "sandbox"]

// Names come from users (`QFPAY_ENV`, `--env`): a Map knows only its own entries, where `in` or
// an index on a plain object would also find `constructor`, `__proto__` or `toString`.
const byName: ReadonlyMap<string, string> = new Map(names.map((name) => [name, hosts[name]]))

const choices = `production, test, sandbox or a base URL such as https://openapi-sg.qfapi.com`

/**
 * The base URL for an environment name or a URL given as is. A URL must be http(s) with no
 * query or fragment; a trailing slash is dropped. The error is a phrase to follow the name of
 * what was read ("QFPAY_ENV must be …", "--env must be …").
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (value: string): Either.Either<string, string> => {
  const text = value.trim()
  const host = byName.get(text)
  if (host !== undefined) return Either.right(host)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Either.left(`must be ${choices}, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Either.left(`must be an http or https URL, got ${JSON.stringify(value)}`)
  }
  if (url.search !== "" || url.hash !== "") {
    return Either.left(`must be a base URL without a query or a fragment, got ${JSON.stringify(value)}`)
  }
  return Either.right(url.toString().replace(/\/+$/, ""))
}

/**
 * The base URL from a variable (by default `QFPAY_ENV`) holding an environment name or a URL.
 * A bad value is a `ConfigError` whose path is the variable.
 *
 * @since 0.2.0
 * @category config
 */
export const config = (name: string = "QFPAY_ENV"): Config.Config<string> =>
  // Nested last, so that the error of the check carries the variable's name as its path.
  Config.string().pipe(
    Config.mapOrFail((value) => Either.mapLeft(resolve(value), (message) => ConfigError.InvalidData([], message))),
    Config.nested(name)
  )

/**
 * Where requests go: QFPay's production, live-test and card-sandbox hosts, or any base URL
 * (regional hosts such as `https://openapi-sg.qfapi.com`, or a local sandbox server).
 *
 * @since 0.1.0
 */
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
 * The base URL for an environment name or a URL given as is. A URL must be http(s) with no
 * query or fragment; a trailing slash is dropped.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (value: string): Either.Either<string, string> => {
  const text = value.trim()
  if (text in hosts) return Either.right(hosts[text as Name])
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Either.left(
      `expected production, test, sandbox or a base URL such as https://openapi-sg.qfapi.com, got ${
        JSON.stringify(value)
      }`
    )
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Either.left(`a base URL must use http or https, got ${JSON.stringify(value)}`)
  }
  if (url.search !== "" || url.hash !== "") {
    return Either.left(`a base URL must not have a query or a fragment, got ${JSON.stringify(value)}`)
  }
  return Either.right(url.toString().replace(/\/+$/, ""))
}

/**
 * Transaction currencies: ISO 4217 letters. Documented currencies are listed; others are
 * representable (QFPay answers with what it has) and flagged by {@link isKnown}.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { show } from "./internal/show.js"

/**
 * The currencies QFPay documents.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const known = [
  "AED",
  "AUD",
  "CAD",
  "CNY",
  "EUR",
  "HKD",
  "IDR",
  "JPY",
  "MMK",
  "MYR",
  "SGD",
  "THB",
  "USD"
] as const

const knownSet: ReadonlySet<string> = new Set(known)

/**
 * Three upper-case letters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Currency = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{3}$/, {
    message: (issue) => ({
      message: `expected a three-letter currency code such as HKD, got ${show(issue.actual)}`,
      override: true
    }),
    arbitrary: () => (fc) => fc.constantFrom(...known)
  }),
  Schema.brand("Currency"),
  Schema.annotations({
    identifier: "Currency",
    title: "Currency",
    description: "a three-letter currency code such as HKD"
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Currency = typeof Currency.Type

/**
 * @since 0.1.0
 * @category catalogue
 */
export const isKnown = (code: string): boolean => knownSet.has(code)

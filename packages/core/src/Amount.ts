/**
 * Amounts in QFPay are integer cents, `Int(11)`: 1 … 99 999 999 999.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { show } from "./internal/show.js"

/**
 * @since 0.1.0
 * @category constants
 */
export const MAX = 99_999_999_999

/**
 * The docs suggest amounts above 200 cents "to avoid risk control": a warning, not an error.
 *
 * @since 0.1.0
 * @category constants
 */
export const RISK_CONTROL_THRESHOLD = 200

const isAmount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 1 && n <= MAX

const expected = (actual: unknown) => `expected a positive whole number of cents (1 to ${MAX}), got ${show(actual)}`

/**
 * A positive whole number of cents, at most 99 999 999 999.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Amount = Schema.Number.pipe(
  Schema.filter(isAmount, {
    message: (issue) => ({ message: expected(issue.actual), override: true }),
    arbitrary: () => (fc) =>
      fc.oneof(
        fc.integer({ min: 1, max: 100_000 }),
        fc.bigInt({ min: 1n, max: BigInt(MAX) }).map(Number),
        fc.constantFrom(1, MAX)
      )
  }),
  Schema.brand("Amount"),
  Schema.annotations({
    identifier: "Amount",
    title: "Amount",
    description: "a positive whole number of cents (1 to 99999999999)"
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Amount = typeof Amount.Type

/**
 * An amount as it travels in a form body or arrives in a JSON string: decimal digits only.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AmountFromString: Schema.Schema<Amount, string> = Schema.transformOrFail(
  Schema.String.annotations({ message: (issue) => ({ message: expected(issue.actual), override: true }) }),
  Amount,
  {
    strict: true,
    decode: (s, _, ast) =>
      /^[0-9]{1,11}$/.test(s) && isAmount(Number(s))
        ? ParseResult.succeed(Number(s) as Amount)
        : ParseResult.fail(new ParseResult.Type(ast, s, expected(s))),
    encode: (n) => ParseResult.succeed(String(n))
  }
).annotations({ identifier: "AmountFromString" })

/**
 * What QFPay answers: an amount as a JSON number or as a string of digits.
 * Encodes as a string, the way QFPay sends it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AmountFromWire: Schema.Schema<Amount, string | number> = Schema.Union(AmountFromString, Amount)
  .annotations({
    identifier: "AmountFromWire"
  })

/**
 * Validates an unknown value as an `Amount`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (n: number): Option.Option<Amount> => isAmount(n) ? Option.some(n as Amount) : Option.none()

/**
 * Whether QFPay's risk control may refuse an amount this small (the docs suggest more than 200).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isBelowRiskThreshold = (amount: Amount): boolean => amount <= RISK_CONTROL_THRESHOLD

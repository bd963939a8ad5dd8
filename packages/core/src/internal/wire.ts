/**
 * Small schema combinators for QFPay's loose JSON: numbers that arrive as strings, blank
 * strings that mean "absent".
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { show } from "./show.js"

const Blank = Schema.Union(Schema.Literal(""), Schema.Null)

/**
 * An optional field whose blank values (`""`, `null`) mean absent. Decodes strictly otherwise.
 *
 * @internal
 */
export const optionalWire = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.optionalToOptional(Schema.Union(schema, Blank), Schema.typeSchema(schema), {
    decode: (o) => Option.filter(o, (v): v is A => v !== "" && v !== null),
    encode: (o) => o
  })

/**
 * An optional amount field: blank, `0` and `"0"` mean absent (QFPay echoes `"0"` where no
 * amount applies, and an amount of zero cents cannot be refunded or reversed).
 *
 * @internal
 */
export const optionalAmount = <A, I, R>(schema: Schema.Schema<A, I, R>) =>
  Schema.optionalToOptional(
    Schema.Union(schema, Blank, Schema.Literal("0", 0)),
    Schema.typeSchema(schema),
    {
      decode: (o) => Option.filter(o, (v): v is A => v !== "" && v !== null && v !== "0" && v !== 0),
      encode: (o) => o
    }
  )

/**
 * Text that may arrive as a JSON number.
 *
 * @internal
 */
export const Text: Schema.Schema<string, string | number> = Schema.Union(
  Schema.String,
  Schema.transform(Schema.Number, Schema.String, {
    strict: true,
    decode: (n) => String(n),
    encode: (s) => Number(s)
  })
)

const boundedInt = (min: number, max: number) => Schema.Number.pipe(Schema.int(), Schema.between(min, max))

/**
 * A whole number within bounds, from a JSON number or a string of digits.
 *
 * @internal
 */
export const intFromWire = (min: number, max: number, what: string): Schema.Schema<number, string | number> => {
  const message = (u: unknown) => `expected ${what} (a whole number from ${min} to ${max}), got ${show(u)}`
  const check = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max
  return Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number), boundedInt(min, max), {
    strict: true,
    decode: (u, _, ast) => {
      const n = typeof u === "number" ? u : /^-?\d+$/.test(u.trim()) ? Number(u.trim()) : NaN
      return check(n) ? ParseResult.succeed(n) : ParseResult.fail(new ParseResult.Type(ast, u, message(u)))
    },
    encode: (n, _, ast) =>
      check(n) ? ParseResult.succeed(String(n)) : ParseResult.fail(new ParseResult.Type(ast, n, message(n)))
  }).annotations({ message: (issue) => ({ message: message(issue.actual), override: true }) })
}

/**
 * A whole number within bounds, as sent in a form body (a string of digits).
 *
 * @internal
 */
export const intFromString = (min: number, max: number, what: string): Schema.Schema<number, string> => {
  const message = (u: unknown) => `expected ${what} (a whole number from ${min} to ${max}), got ${show(u)}`
  const check = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max
  return Schema.transformOrFail(Schema.String, boundedInt(min, max), {
    strict: true,
    decode: (s, _, ast) =>
      /^\d{1,15}$/.test(s) && check(Number(s))
        ? ParseResult.succeed(Number(s))
        : ParseResult.fail(new ParseResult.Type(ast, s, message(s))),
    encode: (n, _, ast) =>
      check(n) ? ParseResult.succeed(String(n)) : ParseResult.fail(new ParseResult.Type(ast, n, message(n)))
  }).annotations({ message: (issue) => ({ message: message(issue.actual), override: true }) })
}

/**
 * A comma-separated list in the wire format, a non-empty array in the domain. Items must not
 * contain commas themselves.
 *
 * @internal
 */
export const commaList = <A>(item: Schema.Schema<A, string>, what: string): Schema.Schema<ReadonlyArray<A>, string> =>
  Schema.transform(
    Schema.String,
    Schema.Array(item).pipe(
      Schema.minItems(1),
      Schema.filter((items) =>
        items.every((i) => !String(i).includes(",")) || `${what}: a value in a list must not contain a comma`
      )
    ),
    {
      strict: true,
      decode: (s) => s.split(","),
      encode: (items) => items.join(",")
    }
  )

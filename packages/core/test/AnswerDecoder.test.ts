/**
 * The engine decodes answers with blank values dropped in one loop, then exact optionals with
 * the same schemas (`internal/answer.ts`); the public schemas read blank values as absent field
 * by field. Both come from one table of fields: here they agree on answers mutated every way
 * QFPay's loose JSON varies (blank, null, "0", numbers as text and text as numbers, wrong
 * types, missing and extra fields), valid or not.
 */
import { Response } from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import * as Answer from "../src/internal/answer.js"

// Values a field of QFPay's JSON may hold instead of the right one.
const odd: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("", null, "0", 0, -0, "00", " ", "null", undefined, true, false, {}, [], "1.5", 1.5, -1, "-1"),
  fc.constantFrom(" 1000", "1000 ", "1e3", 1e3, Number.MAX_SAFE_INTEGER + 2, "abc", "2019-12-27 10:39:39", "HKD"),
  fc.constantFrom("20191227000200020061752831", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "800101", 800101, "0000", 1143),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double()
)

// Text as a number and a number as text, where they read as one.
const retype = (value: unknown): unknown =>
  typeof value === "number"
    ? String(value)
    : typeof value === "string" && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))
    ? Number(value)
    : value

type Mutation =
  | { readonly _tag: "Set"; readonly value: unknown }
  | { readonly _tag: "Delete" }
  | { readonly _tag: "Retype" }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: odd.map((value): Mutation => ({ _tag: "Set", value })) },
  { weight: 1, arbitrary: fc.constant<Mutation>({ _tag: "Delete" }) },
  { weight: 2, arbitrary: fc.constant<Mutation>({ _tag: "Retype" }) }
)

// An answer with some of its fields (known or not) changed.
const mutated = (
  answer: fc.Arbitrary<Record<string, unknown>>,
  keys: ReadonlyArray<string>
): fc.Arbitrary<Record<string, unknown>> =>
  fc.tuple(
    answer,
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.constantFrom("extra", "__proto__x", "Syssn")), mutation), {
      maxLength: 6
    })
  ).map(([base, changes]) => {
    const out: Record<string, unknown> = { ...base }
    for (const [key, change] of changes) {
      if (change._tag === "Delete") delete out[key]
      else out[key] = change._tag === "Set" ? change.value : retype(out[key])
    }
    return out
  })

// Valid answers as QFPay writes them: domain values encoded to the wire.
const wire = <A, I extends Record<string, unknown>>(schema: Schema.Schema<A, I>) =>
  Arbitrary.make(Schema.typeSchema(schema)).map((value) => Schema.encodeSync(schema)(value) as Record<string, unknown>)

const agree = <A, B>(
  a: Either.Either<A, unknown>,
  b: Either.Either<B, unknown>,
  input: unknown
) => {
  expect([Either.isRight(a), Either.isRight(b), input]).toEqual([Either.isRight(b), Either.isRight(a), input])
  if (Either.isRight(a) && Either.isRight(b)) expect(b.right).toStrictEqual(a.right)
}

const publicSummary = Schema.decodeUnknownEither(Response.OperationSummary)
const publicQuery = Schema.decodeUnknownEither(Response.QueryResponse)

describe("the engine's answer decoders agree with the public schemas", () => {
  it("refund / reversal / close answers: 12 000 mutated answers", () => {
    const keys = Object.keys(Answer.operationFields)
    let decoded = 0
    fc.assert(
      fc.property(mutated(wire(Response.OperationResponse), keys), (answer) => {
        const a = publicSummary(answer)
        agree(a, Answer.decodeSummary(answer), answer)
        if (Either.isRight(a)) decoded++
      }),
      { numRuns: 12_000 }
    )
    // Both kinds of answers were met: ones that decode and ones that do not.
    expect(decoded).toBeGreaterThan(1000)
    expect(decoded).toBeLessThan(11_000)
  })

  it("enquiry answers, their rows mutated too: 12 000 answers", () => {
    const rowKeys = Object.keys(Answer.queryRowFields)
    const rows = fc.array(
      fc.oneof(
        { weight: 8, arbitrary: mutated(wire(Response.QueryRow), rowKeys) as fc.Arbitrary<unknown> },
        { weight: 1, arbitrary: odd }
      ),
      { maxLength: 4 }
    )
    const answer = fc.tuple(
      mutated(
        wire(Schema.Struct(Answer.lenient(Answer.queryFields))),
        [...Object.keys(Answer.queryFields), "data"]
      ),
      fc.oneof({ weight: 6, arbitrary: rows as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: odd })
    ).map(([envelope, data]) => (data === undefined ? envelope : { ...envelope, data }))
    let decoded = 0
    fc.assert(
      fc.property(answer, (input) => {
        const a = publicQuery(input)
        agree(a, Answer.decodeQuery(input), input)
        if (Either.isRight(a) && a.right.data.length > 0) decoded++
      }),
      { numRuns: 12_000 }
    )
    expect(decoded).toBeGreaterThan(500)
  })

  it("blank, null and zero amounts read as absent; blank text stays text", () => {
    const answer = {
      respcd: 0,
      resperr: "",
      respmsg: null,
      syssn: "",
      orig_syssn: null,
      txamt: "0",
      txcurrcd: "HKD",
      txdtm: "2019-12-27 10:39:39",
      unknown: { deep: true }
    }
    expect(Answer.decodeSummary({ ...answer, respmsg: "" })).toStrictEqual(
      Either.right({ respcd: "0000", resperr: "", respmsg: "", txcurrcd: "HKD", txdtm: "2019-12-27 10:39:39" })
    )
    // null is no text: both refuse it.
    expect(Either.isLeft(Answer.decodeSummary(answer))).toBe(true)
    expect(Either.isLeft(publicSummary(answer))).toBe(true)
  })
})

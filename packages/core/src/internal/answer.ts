/**
 * The fields of QFPay's answers, written once: each field's schema and how its blank values
 * read. Two decoders come from one table:
 *
 * - the public schemas (`Response.ts`): blank values (`""`, `null`, and for amounts `"0"` / `0`)
 *   are members of each field's own union and read as absent (`optionalWire`, `optionalAmount`);
 * - the engine's decoders (`decodeSummary`, `decodeQuery`): one loop drops the blank values,
 *   then a struct of exact optionals with the same schemas (the same refinements) decodes the
 *   rest, without a union per field: half the cost, the same answers (a property test compares
 *   them on mutated answers).
 *
 * @internal
 */
import type * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AmountFromWire } from "../Amount.js"
import { Currency } from "../Currency.js"
import { OutTradeNo, Syssn } from "../Identifiers.js"
import { PayTypeFromWire } from "../PayType.js"
import { ResponseCode } from "../ResponseCode.js"
import { TxDateTime } from "../TxDateTime.js"
import { intFromWire, optionalAmount, optionalWire, Text } from "./wire.js"

/** How a field's blank values read: kept (`keep`), or absent (`wire`; `amount` adds `"0"` / `0`). */
type Blanks = "keep" | "wire" | "amount"

interface Field<L extends Schema.Struct.Field, X extends Schema.Struct.Field> {
  readonly blanks: Blanks
  /** The field in the public schema. */
  readonly lenient: L
  /** The field once blank values are dropped. */
  readonly exact: X
}

const required = <S extends Schema.Schema.All>(schema: S): Field<S, S> => ({
  blanks: "keep",
  lenient: schema,
  exact: schema
})

const text = (): Field<Schema.optional<typeof Text>, Schema.optional<typeof Text>> => ({
  blanks: "keep",
  lenient: Schema.optional(Text),
  exact: Schema.optional(Text)
})

const wire = <A, I, R>(schema: Schema.Schema<A, I, R>) => ({
  blanks: "wire" as const,
  lenient: optionalWire(schema),
  exact: Schema.optionalWith(schema, { exact: true })
})

const amount = <A, I, R>(schema: Schema.Schema<A, I, R>) => ({
  blanks: "amount" as const,
  lenient: optionalAmount(schema),
  exact: Schema.optionalWith(schema, { exact: true })
})

type Table = Readonly<Record<string, Field<Schema.Struct.Field, Schema.Struct.Field>>>

/** The public struct's fields. @internal */
export const lenient = <T extends Table>(table: T): { [K in keyof T]: T[K]["lenient"] } => {
  const out: Record<string, Schema.Struct.Field> = {}
  for (const key of Object.keys(table)) out[key] = table[key].lenient
  return out as { [K in keyof T]: T[K]["lenient"] }
}

/** The engine's struct's fields. @internal */
export const exact = <T extends Table>(table: T): { [K in keyof T]: T[K]["exact"] } => {
  const out: Record<string, Schema.Struct.Field> = {}
  for (const key of Object.keys(table)) out[key] = table[key].exact
  return out as { [K in keyof T]: T[K]["exact"] }
}

/** The code and messages every answer has. @internal */
export const envelopeFields = {
  respcd: required(ResponseCode),
  resperr: text(),
  respmsg: text()
}

/** The answer to a refund, reversal or close. @internal */
export const operationFields = {
  ...envelopeFields,
  syssn: wire(Syssn),
  orig_syssn: wire(Syssn),
  out_trade_no: wire(OutTradeNo),
  txamt: amount(AmountFromWire),
  txcurrcd: wire(Currency),
  txdtm: wire(TxDateTime),
  sysdtm: wire(TxDateTime),
  paydtm: wire(TxDateTime),
  chnlsn: text(),
  chnlsn2: text(),
  udid: text(),
  cardcd: text(),
  cash_fee: text(),
  cash_fee_type: text(),
  cash_refund_fee: text(),
  cash_refund_fee_type: text(),
  surcharge_fee: text(),
  surcharge_rate: text()
}

/** The fields of an answer that a receipt needs (`Response.OperationSummary`). @internal */
export const summaryKeys = [
  "respcd",
  "resperr",
  "respmsg",
  "syssn",
  "orig_syssn",
  "out_trade_no",
  "txamt",
  "txcurrcd",
  "txdtm",
  "sysdtm"
] as const

/** One transaction in an enquiry answer. @internal */
export const queryRowFields = {
  syssn: required(Syssn),
  out_trade_no: wire(OutTradeNo),
  origssn: wire(Syssn),
  order_type: text(),
  pay_type: wire(PayTypeFromWire),
  txamt: amount(AmountFromWire),
  txcurrcd: wire(Currency),
  txdtm: wire(TxDateTime),
  sysdtm: wire(TxDateTime),
  paydtm: wire(TxDateTime),
  cancel: wire(intFromWire(0, 99, "a cancel flag")),
  respcd: required(ResponseCode),
  errmsg: text(),
  chnlsn: text(),
  cash_fee: text(),
  cash_fee_type: text(),
  cash_refund_fee: text(),
  cash_refund_fee_type: text(),
  exchange_rate: text()
}

/** The answer to an enquiry, but for its rows (`data`). @internal */
export const queryFields = {
  ...envelopeFields,
  page: wire(intFromWire(0, 1_000_000, "a page number")),
  page_size: wire(intFromWire(0, 1_000, "a page size"))
}

/** An enquiry's rows, in a schema: an array, absent meaning none. @internal */
export const rows = <A, I, R>(row: Schema.Schema<A, I, R>) =>
  Schema.optionalWith(Schema.Array(row), { default: () => [] as ReadonlyArray<A> })

// --- dropping blank values ---------------------------------------------------------------------

const WIRE = 1
const AMOUNT = 2

interface Dropper {
  readonly keys: ReadonlyArray<string>
  readonly blanks: ReadonlyArray<number>
}

const dropper = (table: Table, keys: ReadonlyArray<string> = Object.keys(table)): Dropper => ({
  keys,
  blanks: keys.map((key) => (table[key].blanks === "wire" ? WIRE : table[key].blanks === "amount" ? AMOUNT : 0))
})

const hasOwn = Object.prototype.hasOwnProperty

/**
 * A copy of the answer's known fields, without their blank values: as the public schemas read
 * them, blank is absent. Anything but an object is left for the schema to refuse.
 */
const drop = (input: unknown, d: Dropper, nested?: { readonly key: string; readonly row: Dropper }): unknown => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input
  const record = input as Record<string, unknown>
  const out: Record<string, unknown> = {}
  const keys = d.keys
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    if (!hasOwn.call(record, key)) continue
    const value = record[key]
    const blanks = d.blanks[i]
    if (blanks !== 0 && (value === "" || value === null)) continue
    if (blanks === AMOUNT && (value === "0" || value === 0)) continue
    out[key] = value
  }
  if (nested !== undefined && hasOwn.call(record, nested.key)) {
    const list = record[nested.key]
    out[nested.key] = Array.isArray(list) ? list.map((row) => drop(row, nested.row)) : list
  }
  return out
}

// --- the engine's decoders -------------------------------------------------------------------

const Summary = Schema.Struct(exact(operationFields)).pipe(Schema.pick(...summaryKeys))
const summaryDropper = dropper(operationFields, summaryKeys)
const decodeSummaryExact = Schema.decodeUnknownEither(Summary)

/**
 * `Response.OperationSummary`'s decoding, blank values dropped first.
 *
 * @internal
 */
export const decodeSummary = (u: unknown): Either.Either<typeof Summary.Type, ParseResult.ParseError> =>
  decodeSummaryExact(drop(u, summaryDropper))

const Row = Schema.Struct(exact(queryRowFields))
const Query = Schema.Struct({ ...exact(queryFields), data: rows(Row) })
const queryDropper = dropper(queryFields)
const rowDropper = dropper(queryRowFields)
const decodeQueryExact = Schema.decodeUnknownEither(Query)

/**
 * `Response.QueryResponse`'s decoding, blank values dropped first (in every row too).
 *
 * @internal
 */
export const decodeQuery = (u: unknown): Either.Either<typeof Query.Type, ParseResult.ParseError> =>
  decodeQueryExact(drop(u, queryDropper, { key: "data", row: rowDropper }))

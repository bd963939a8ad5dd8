/**
 * QFPay's response codes (`respcd`), their meaning, and what a client does with each
 * (PROTOCOL.md §5). The classification is data: {@link table}.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * - `success`: settled.
 * - `pending`: in progress; poll the enquiry endpoint until it leaves this class.
 * - `retryable`: a system condition; retry with backoff and the same identifiers.
 * - `request-error`: the request is wrong; fail (a duplicate after an ambiguous attempt means "look it up").
 * - `refund-limit`: the refund is not allowed; fail with the reason.
 * - `state-conflict`: the payment is not in a state that allows this; fail.
 * - `other`: everything else, never retried automatically.
 *
 * @since 0.1.0
 * @category models
 */
export type Class =
  | "success"
  | "pending"
  | "retryable"
  | "request-error"
  | "refund-limit"
  | "state-conflict"
  | "other"

/**
 * @since 0.1.0
 * @category models
 */
export interface Info {
  readonly code: string
  readonly meaning: string
  readonly class: Class
}

const row = (code: string, cls: Class, meaning: string): Info => ({ code, meaning, class: cls })

/**
 * Every documented code.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const table: ReadonlyArray<Info> = [
  row("0000", "success", "Transaction successful"),

  row("1143", "pending", "The order has not been paid yet; the customer is entering the password"),
  row("1145", "pending", "Processing, please wait"),
  row("1298", "pending", "Network delay: do not repeat the transaction, confirm the result later"),

  row("1100", "retryable", "System under maintenance"),
  row("1101", "retryable", "Reversal error"),
  row("1136", "retryable", "The transaction does not exist or is not operable"),
  row("1205", "retryable", "The transaction failed, please try again later"),
  row("1250", "retryable", "The transaction is forbidden; contact QFPay customer service"),
  row("1252", "retryable", "System error while making the order request"),
  row("1254", "retryable", "A system problem occurred and is being resolved"),
  row("1295", "retryable", "The connection is slow, waiting for a network response"),
  row("1296", "retryable", "The connection is slow, waiting for a network response; try again later"),
  row("1297", "retryable", "The banking system is busy, try again later"),

  row("1102", "request-error", "Duplicate request"),
  row("1103", "request-error", "Request format error"),
  row("1104", "request-error", "Request parameter error"),
  row("1108", "request-error", "Signature error"),
  row("2011", "request-error", "Transaction serial number repeats"),

  row("1150", "refund-limit", "The billing method is T0 and does not support cancelling transactions"),
  row("1155", "refund-limit", "Refund request denied"),
  row("1265", "refund-limit", "No refunds between 23:30 and 00:30, nor for special promotions"),
  row("1269", "refund-limit", "Not enough unsettled transaction volume today to refund"),
  row("1270", "refund-limit", "This currency does not support partial refunds"),
  row("1271", "refund-limit", "This transaction does not support partial refunds"),
  row("1272", "refund-limit", "The refund exceeds the amount that can still be refunded"),

  row("1125", "state-conflict", "The transaction has already been refunded"),
  row("1142", "state-conflict", "The order is already closed"),
  row("1181", "state-conflict", "The order has expired"),
  row("1260", "state-conflict", "The order has already been paid"),
  row("1261", "state-conflict", "The order has not been paid"),
  row("1262", "state-conflict", "The order has already been refunded"),
  row("1263", "state-conflict", "The order has already been cancelled"),
  row("1264", "state-conflict", "The order has already been closed"),
  row("1266", "state-conflict", "The transaction amount is wrong"),
  row("1267", "state-conflict", "The order information does not match"),
  row("1268", "state-conflict", "The order does not exist"),

  row("1105", "other", "Device not activated"),
  row("1106", "other", "Invalid device"),
  row("1107", "other", "Device not allowed"),
  row("1147", "other", "WeChat Pay transaction error"),
  row("1201", "other", "Insufficient balance, use a different payment method"),
  row("1202", "other", "Incorrect or expired payment code"),
  row("1203", "other", "Merchant account error"),
  row("1204", "other", "Bank error"),
  row("1212", "other", "Use the UnionPay overseas payment code"),
  row("1241", "other", "The store does not exist or its status is incorrect"),
  row("1242", "other", "The store is not configured correctly"),
  row("1243", "other", "The store has been disabled"),
  row("1251", "other", "The store is not configured correctly; QFPay is fixing it"),
  row("1294", "other", "The transaction may be non-compliant and was blocked by the bank"),
  row("2005", "other", "The customer's payment code is incorrect or expired")
]

const byCode = new Map(table.map((info) => [info.code, info]))

/**
 * Normalises a `respcd` as QFPay may send it: a string, or a number whose leading zeros were
 * lost (`0` → `"0000"`, `1143` → `"1143"`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const normalize = (raw: string | number): string => {
  const text = typeof raw === "number" ? String(Math.trunc(raw)) : raw.trim()
  return /^\d{1,3}$/.test(text) ? text.padStart(4, "0") : text
}

/**
 * What a code means and which class it is in; unknown codes are `other`.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const lookup = (code: string): Info =>
  byCode.get(code) ?? { code, meaning: `Unknown response code ${code}`, class: "other" }

/**
 * @since 0.1.0
 * @category catalogue
 */
export const classify = (code: string): Class => lookup(code).class

/**
 * @since 0.1.0
 * @category catalogue
 */
export const meaning = (code: string): string => lookup(code).meaning

/**
 * @since 0.1.0
 * @category catalogue
 */
export const isKnown = (code: string): boolean => byCode.has(code)

/**
 * @since 0.1.0
 * @category predicates
 */
export const isSuccess = (code: string): boolean => code === "0000"

/**
 * @since 0.1.0
 * @category predicates
 */
export const isPending = (code: string): boolean => classify(code) === "pending"

/**
 * The codes of one class.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const codesOf = (cls: Class): ReadonlyArray<string> =>
  table.filter((info) => info.class === cls).map((info) => info.code)

/**
 * A response code as it arrives: `"0000"`, `"1143"`, or a number such as `0` or `1143`.
 * Decodes to the four-character string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseCode: Schema.Schema<string, string | number> = Schema.Union(
  Schema.String,
  Schema.Number
).pipe(
  Schema.transform(Schema.String, {
    strict: true,
    decode: (raw) => normalize(raw),
    encode: (code) => code
  }),
  Schema.filter((code) => code.length > 0 || "expected a response code", {
    arbitrary: () => (fc) =>
      fc.oneof(fc.constantFrom(...table.map((info) => info.code)), fc.stringMatching(/^[1-9]\d{3}$/))
  }),
  Schema.annotations({ identifier: "ResponseCode" })
)

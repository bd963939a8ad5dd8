/**
 * QFPay pay types: which wallet and which mode a payment used. Known codes carry a catalogue
 * entry; an unknown six-digit code is representable (QFPay adds codes) but flagged by
 * {@link isKnown}, and never guessed at when routing a cancellation.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { show } from "./internal/show.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Wallet =
  | "Alipay"
  | "WeChat Pay"
  | "UnionPay"
  | "PayMe"
  | "FPS"
  | "Octopus"
  | "Visa / Mastercard"
  | "Apple Pay"
  | "UnionPay card"
  | "American Express"
  | "Multiple wallets"

/**
 * MPM: the merchant shows a code, the customer scans it. CPM: the customer shows a code, the
 * merchant scans it. Online: web, WAP/H5, in-app, JSAPI or mini-program. Card: a card scheme.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "MPM" | "CPM" | "Online" | "Card"

/**
 * @since 0.1.0
 * @category models
 */
export interface Info {
  readonly code: string
  readonly wallet: Wallet
  readonly mode: Mode
  readonly description: string
  /** Whether QFPay accepts refunds for this pay type at all. */
  readonly refundable: boolean
}

const entry = (code: string, wallet: Wallet, mode: Mode, description: string, refundable = true): Info => ({
  code,
  wallet,
  mode,
  description,
  refundable
})

/**
 * The pay types documented by QFPay.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const catalogue: ReadonlyArray<Info> = [
  entry(
    "800008",
    "Multiple wallets",
    "CPM",
    "Consumer-presented code (CPM) for WeChat, Alipay, UnionPay Quick Pass, PayMe"
  ),
  entry("800101", "Alipay", "MPM", "Alipay merchant-presented QR code in store (MPM), overseas merchants"),
  entry("800108", "Alipay", "CPM", "Alipay consumer-presented QR code (CPM), overseas and HK merchants"),
  entry("800107", "Alipay", "Online", "Alipay Service Window H5 (in the Alipay app)"),
  entry("801101", "Alipay", "Online", "Alipay online web payment, overseas merchants"),
  entry("801107", "Alipay", "Online", "Alipay online WAP payment, overseas merchants"),
  entry("801110", "Alipay", "Online", "Alipay in-app payment, overseas merchants"),
  entry("801501", "Alipay", "MPM", "Alipay merchant-presented QR code (MPM), HK merchants"),
  entry("801510", "Alipay", "Online", "Alipay in-app payment, HK merchants"),
  entry("801512", "Alipay", "Online", "Alipay online WAP payment, HK merchants"),
  entry("801514", "Alipay", "Online", "Alipay online web payment, HK merchants"),
  entry("800201", "WeChat Pay", "MPM", "WeChat merchant-presented QR code (MPM)"),
  entry("800207", "WeChat Pay", "Online", "WeChat JSAPI payment (official account)"),
  entry("800208", "WeChat Pay", "CPM", "WeChat consumer-presented QR code (CPM)"),
  entry("800210", "WeChat Pay", "Online", "WeChat in-app payment"),
  entry("800212", "WeChat Pay", "Online", "WeChat H5 payment in a mobile browser"),
  entry("800213", "WeChat Pay", "Online", "WeChat mini-program payment"),
  entry("801008", "WeChat Pay", "CPM", "WeChat Pay HK consumer-presented code (CPM), direct settlement"),
  entry("801010", "WeChat Pay", "Online", "WeChat Pay HK in-app payment, direct settlement"),
  entry("805801", "PayMe", "MPM", "PayMe merchant-presented QR code"),
  entry("805808", "PayMe", "CPM", "PayMe consumer-presented code"),
  entry("805812", "PayMe", "Online", "PayMe online WAP payment, HK merchants"),
  entry("805814", "PayMe", "Online", "PayMe online web payment, HK merchants"),
  entry("800701", "UnionPay", "MPM", "UnionPay Quick Pass merchant-presented QR code"),
  entry("800708", "UnionPay", "CPM", "UnionPay Quick Pass consumer-presented code"),
  entry("800712", "UnionPay", "Online", "UnionPay Quick Pass WAP payment, HK merchants"),
  entry("800714", "UnionPay", "Online", "UnionPay Quick Pass PC web payment, HK merchants"),
  entry("802001", "FPS", "MPM", "FPS (Faster Payment System) QR code; no refunds", false),
  entry("803701", "Octopus", "MPM", "Octopus dynamic QR code, HK merchants"),
  entry("803712", "Octopus", "Online", "Octopus WAP payment, HK merchants"),
  entry("803714", "Octopus", "Online", "Octopus online web payment, HK merchants"),
  entry("802801", "Visa / Mastercard", "Card", "Visa / Mastercard online card payment"),
  entry("802808", "Visa / Mastercard", "Card", "Visa / Mastercard card-present payment"),
  entry("806527", "Apple Pay", "Online", "Apple Pay online payment"),
  entry("806708", "UnionPay card", "Card", "UnionPay card-present payment"),
  entry("806808", "American Express", "Card", "American Express card-present payment")
]

const byCode = new Map(catalogue.map((info) => [info.code, info]))

/**
 * A six-digit pay type code, known or not.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PayType = Schema.String.pipe(
  Schema.pattern(/^\d{6}$/, {
    message: (issue) => ({ message: `expected a six-digit pay type code, got ${show(issue.actual)}`, override: true }),
    arbitrary: () => (fc) => fc.constantFrom(...catalogue.map((info) => info.code))
  }),
  Schema.brand("PayType"),
  Schema.annotations({
    identifier: "PayType",
    title: "PayType",
    description: "a six-digit QFPay pay type code"
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type PayType = typeof PayType.Type

/**
 * A pay type as QFPay may send it: a string or a number.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PayTypeFromWire: Schema.Schema<PayType, string | number> = Schema.Union(
  PayType,
  Schema.transform(Schema.Int, PayType, { strict: true, decode: (n) => String(n), encode: (s) => Number(s) })
)

/**
 * @since 0.1.0
 * @category catalogue
 */
export const lookup = (code: string): Option.Option<Info> => Option.fromNullable(byCode.get(code))

/**
 * @since 0.1.0
 * @category catalogue
 */
export const isKnown = (code: string): boolean => byCode.has(code)

/**
 * Every documented pay type code.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const known: ReadonlyArray<PayType> = catalogue.map((info) => info.code as PayType)

/**
 * A readable name for a code, known or not.
 *
 * @since 0.1.0
 * @category catalogue
 */
export const describe = (code: string): string =>
  Option.match(lookup(code), {
    onNone: () => `unknown pay type ${code}`,
    onSome: (info) => `${code} (${info.description})`
  })

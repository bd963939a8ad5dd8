/**
 * QFPay's transaction time: `YYYY-MM-DD hh:mm:ss`, 24-hour, local to the merchant's time zone
 * (no offset is sent). Conversions to and from Effect's `DateTime` take the zone explicitly.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { show } from "./internal/show.js"

const PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
    : [4, 6, 9, 11].includes(month)
    ? 30
    : 31

/**
 * The calendar fields of a transaction time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hours: number
  readonly minutes: number
  readonly seconds: number
}

// Validation parses the same few strings again and again (a request's time is checked when
// it is decoded, encoded and echoed back): the last answers are kept.
const parsed = new Map<string, Option.Option<Parts>>()

const parse = (s: string): Option.Option<Parts> => {
  let result = parsed.get(s)
  if (result === undefined) {
    result = parseUncached(s)
    if (parsed.size >= 1024) parsed.clear()
    parsed.set(s, result)
  }
  return result
}

const parseUncached = (s: string): Option.Option<Parts> => {
  const m = PATTERN.exec(s)
  if (m === null) return Option.none()
  const [year, month, day, hours, minutes, seconds] = m.slice(1).map(Number)
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Option.none()
  if (hours > 23 || minutes > 59 || seconds > 59) return Option.none()
  return Option.some({ year, month, day, hours, minutes, seconds })
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const format = (p: Parts): string =>
  `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hours)}:${pad(p.minutes)}:${pad(p.seconds)}`

/**
 * A real calendar time written `YYYY-MM-DD hh:mm:ss` (24-hour).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TxDateTime = Schema.String.pipe(
  Schema.filter((s) => Option.isSome(parse(s)), {
    message: (issue) => ({
      message: `expected a real date and time written YYYY-MM-DD hh:mm:ss (24-hour), got ${show(issue.actual)}`,
      override: true
    }),
    arbitrary: () => (fc) =>
      fc.record({
        year: fc.integer({ min: 2000, max: 2099 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 31 }),
        hours: fc.integer({ min: 0, max: 23 }),
        minutes: fc.integer({ min: 0, max: 59 }),
        seconds: fc.integer({ min: 0, max: 59 })
      }).map((p) => format({ ...p, day: Math.min(p.day, daysInMonth(p.year, p.month)) }))
  }),
  Schema.brand("TxDateTime"),
  Schema.annotations({
    identifier: "TxDateTime",
    title: "TxDateTime",
    description: "a date and time written YYYY-MM-DD hh:mm:ss (24-hour)"
  })
)

/**
 * @since 0.1.0
 * @category models
 */
export type TxDateTime = typeof TxDateTime.Type

/**
 * @since 0.1.0
 * @category constructors
 */
export const fromParts = (parts: Parts): Option.Option<TxDateTime> => {
  const s = format(parts)
  return Option.isSome(parse(s)) ? Option.some(s as TxDateTime) : Option.none()
}

/**
 * The calendar fields of a transaction time.
 *
 * @since 0.1.0
 * @category getters
 */
export const toParts = (self: TxDateTime): Parts => Option.getOrThrow(parse(self))

/**
 * Writes a `DateTime` as QFPay's local time in the given zone (an IANA name such as
 * `Asia/Hong_Kong`, or a `DateTime.TimeZone`). Sub-second precision is dropped.
 *
 * @since 0.1.0
 * @category conversions
 */
export const fromDateTime = (self: DateTime.DateTime, timeZone: DateTime.TimeZone | string): TxDateTime => {
  // Formatting in a named zone goes through Intl and costs microseconds; a busy process asks
  // for the same second many times, so the last answer per zone is kept.
  const z = zone(timeZone)
  const second = Math.floor(DateTime.toEpochMillis(self) / 1000)
  const cached = lastFormatted.get(z)
  if (cached !== undefined && cached.second === second) return cached.text
  const p = DateTime.toParts(DateTime.setZone(self, z))
  const text = format({
    year: p.year,
    month: p.month,
    day: p.day,
    hours: p.hours,
    minutes: p.minutes,
    seconds: p.seconds
  }) as TxDateTime
  lastFormatted.set(z, { second, text })
  return text
}

const lastFormatted = new WeakMap<DateTime.TimeZone, { readonly second: number; readonly text: TxDateTime }>()

/**
 * Reads a transaction time as a zoned `DateTime`, taking it as local time in the given zone.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toDateTime = (self: TxDateTime, timeZone: DateTime.TimeZone | string): DateTime.Zoned => {
  const p = toParts(self)
  return DateTime.unsafeMakeZoned(
    { year: p.year, month: p.month, day: p.day, hours: p.hours, minutes: p.minutes, seconds: p.seconds, millis: 0 },
    { timeZone: zone(timeZone), adjustForTimeZone: true }
  )
}

/**
 * Whether two transaction times fall in the same calendar month (the enquiry's
 * `start_time`/`end_time` must).
 *
 * @since 0.1.0
 * @category predicates
 */
export const sameMonth = (a: TxDateTime, b: TxDateTime): boolean => a.slice(0, 7) === b.slice(0, 7)

/**
 * @since 0.1.0
 * @category ordering
 */
export const compare = (a: TxDateTime, b: TxDateTime): -1 | 0 | 1 => a < b ? -1 : a > b ? 1 : 0

const zoneCache = new Map<string, DateTime.TimeZone>()

/**
 * Resolves a time zone given by name, once. Throws on an unknown zone name: configuration
 * validates names before they reach here.
 *
 * @since 0.1.0
 * @category time zones
 */
export const zone = (timeZone: DateTime.TimeZone | string): DateTime.TimeZone => {
  if (typeof timeZone !== "string") return timeZone
  let z = zoneCache.get(timeZone)
  if (z === undefined) {
    z = DateTime.zoneUnsafeMakeNamed(timeZone)
    zoneCache.set(timeZone, z)
  }
  return z
}

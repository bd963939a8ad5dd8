/**
 * How a rejected input is shown in a validation message: numbers and number-like text as
 * they are, other text quoted, and anything else by its kind.
 *
 * @internal
 */
export const show = (u: unknown): string => {
  if (typeof u === "number") return Number.isNaN(u) ? "NaN" : String(u)
  if (typeof u === "string") {
    if (u === "") return "an empty value"
    if (/^[+-]?\d+(\.\d+)?$/.test(u)) return u
    return JSON.stringify(u.length > 60 ? u.slice(0, 57) + "..." : u)
  }
  if (u === undefined) return "nothing"
  if (u === null) return "null"
  if (typeof u === "bigint") return `${u}n`
  if (typeof u === "boolean") return String(u)
  if (Array.isArray(u)) return "a list"
  return `a value of type ${typeof u}`
}

/** @internal */
export const describeLength = (s: string): string => `${s.length} characters`

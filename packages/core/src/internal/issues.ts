/**
 * Validation issues as a person reads them: `txamt: expected a positive whole number of cents …`.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"

/** @internal */
export interface Issue {
  readonly path: string
  readonly message: string
}

/** @internal */
export const issuesOf = (error: ParseResult.ParseError | ParseResult.ParseIssue): ReadonlyArray<Issue> => {
  const formatted = error._tag === "ParseError"
    ? ParseResult.ArrayFormatter.formatErrorSync(error)
    : ParseResult.ArrayFormatter.formatIssueSync(error)
  const seen = new Set<string>()
  const out: Array<Issue> = []
  // An optional field is a union with `undefined`; its "Expected undefined" branch says nothing
  // the field's own message does not.
  const paths = new Set(
    formatted.filter((i) => !i.message.startsWith("Expected undefined")).map((i) => i.path.join("."))
  )
  for (const issue of formatted) {
    if (issue.message.startsWith("Expected undefined") && paths.has(issue.path.join("."))) continue
    const path = issue.path.map(String).join(".")
    const message = issue._tag === "Missing" || issue.message === "is missing" ? "is required" : issue.message
    const key = `${path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path, message })
  }
  return out
}

/** @internal */
export const formatIssues = (issues: ReadonlyArray<Issue>): string =>
  issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`)).join("; ")

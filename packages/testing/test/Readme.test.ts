/**
 * The sandbox's README runs: every ```sh block with a curl in it is run, in order, with `sh`
 * against a live sandbox (its port put in place of 8080), and must get the status of its
 * `# → NNN` line and an answer of the shape of the ```json block after it. Every admin route has
 * an example.
 */
import { SandboxServer } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** The index of the last line that runs curl (ES2022 has no findLastIndex). */
const lastCurl = (lines: ReadonlyArray<string>) => {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].startsWith("curl ")) return i
  return -1
}

const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8")

interface Example {
  readonly script: string
  readonly status: number
  readonly shape: unknown
  /** The route of its last curl: `METHOD /path`. */
  readonly route: string
}

const examples = (): ReadonlyArray<Example> => {
  const fences = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], text: m[2] }))
  const out: Array<Example> = []
  fences.forEach((fence, i) => {
    if (fence.lang !== "sh" || !fence.text.includes("curl ")) return
    const status = /^# → (\d{3})$/m.exec(fence.text)
    if (status === null) throw new Error(`no "# → status" line in:\n${fence.text}`)
    const next = fences[i + 1]
    const lines = fence.text.split("\n")
    const last = lastCurl(lines)
    const command = lines.slice(last).join(" ")
    const method = /-X (\w+)/.exec(command)?.[1] ?? (/ (-d|--data-urlencode) /.test(command) ? "POST" : "GET")
    const path = /http:\/\/127\.0\.0\.1:8080(\S*)/.exec(command)?.[1] ?? ""
    out.push({
      script: fence.text,
      status: Number(status[1]),
      shape: next?.lang === "json" ? JSON.parse(next.text) : undefined,
      route: `${method} ${path}`
    })
  })
  return out
}

const typeOf = (u: unknown) => (u === null ? "null" : Array.isArray(u) ? "array" : typeof u)

/** Where `actual` differs in shape from `documented`: keys and value types; some values exactly. */
const differences = (documented: unknown, actual: unknown, at = "answer"): Array<string> => {
  if (typeOf(documented) !== typeOf(actual)) return [`${at}: documented ${typeOf(documented)}, got ${typeOf(actual)}`]
  if (Array.isArray(documented) && Array.isArray(actual)) {
    if (documented.length === 0) return []
    if (actual.length === 0) return [`${at}: documented items, got none`]
    return differences(documented[0], actual[0], `${at}[0]`)
  }
  if (typeOf(documented) === "object") {
    const d = documented as Record<string, unknown>
    const a = actual as Record<string, unknown>
    const keys = [...new Set([...Object.keys(d), ...Object.keys(a)])]
    return keys.flatMap((key) =>
      !(key in d)
        ? [`${at}.${key}: not documented`]
        : !(key in a)
        ? [`${at}.${key}: documented, missing`]
        // Messages and codes are stable: the README shows them exactly.
        : ["error", "respcd", "ok"].includes(key) && d[key] !== a[key]
        ? [`${at}.${key}: documented ${JSON.stringify(d[key])}, got ${JSON.stringify(a[key])}`]
        : differences(d[key], a[key], `${at}.${key}`)
    )
  }
  return []
}

const run = (script: string) =>
  Effect.async<{ readonly stdout: string; readonly stderr: string; readonly code: number }>((resume) => {
    execFile(
      "sh",
      ["-c", script],
      { timeout: 30_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ stdout, stderr, code: error === null ? 0 : Number(error.code ?? 1) }))
    )
  })

describe("the sandbox README", () => {
  it.live("every curl example runs and answers what the README shows", () =>
    Effect.gen(function*() {
      const ctx = yield* Layer.build(SandboxServer.layer({ logRequests: false }))
      const { port } = Context.get(ctx, SandboxServer.SandboxServer)
      const all = examples()
      expect(all.length).toBeGreaterThanOrEqual(20)
      for (const example of all) {
        // The status after the answer, on a line of its own; the example as written otherwise.
        const lines = example.script.replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`).split("\n")
        const last = lastCurl(lines)
        lines[last] = lines[last].replace(/^curl /, "curl -w '\\n%{http_code}' ")
        const result = yield* run(lines.join("\n"))
        const output = result.stdout.split("\n")
        const status = Number(output.pop())
        const body = output.join("\n")
        expect({ example: example.script, status, stderr: result.stderr }).toEqual({
          example: example.script,
          status: example.status,
          stderr: ""
        })
        if (example.shape !== undefined) {
          expect({ example: example.route, differences: differences(example.shape, JSON.parse(body)) }).toEqual({
            example: example.route,
            differences: []
          })
        }
      }
    }).pipe(Effect.scoped))

  it.live("every admin route has an example", () =>
    Effect.gen(function*() {
      const ctx = yield* Layer.build(SandboxServer.layer({ logRequests: false }))
      const { url } = Context.get(ctx, SandboxServer.SandboxServer)
      const { routes } = yield* Effect.promise(() =>
        fetch(`${url}${SandboxServer.ADMIN_PREFIX}/`).then((r) => r.json() as Promise<{ routes: Array<string> }>)
      )
      const shown = examples().map((e) => e.route)
      const missing = routes.filter((route) => {
        const pattern = new RegExp(`^${route.replaceAll("{id}", "[^/]+").replaceAll("/", "\\/")}$`)
        return !shown.some((s) => pattern.test(s))
      })
      expect(missing).toEqual([])
      expect(routes.length).toBe(17)
    }).pipe(Effect.scoped))
})

/**
 * The `qfpay-sandbox` binary (built): its flags, and a bad one refused before it listens.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))

/** Starts the sandbox with `args`; its URL once it listens; stopped with the scope. */
const sandbox = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly stop: () => void }, Error>((resume) => {
      const child = spawn(process.execPath, [bin, "--port", "0", ...args], { stdio: ["ignore", "pipe", "ignore"] })
      let out = ""
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString()
        const match = /listening on (http:\/\/\S+)/.exec(out)
        if (match !== null) resume(Effect.succeed({ url: match[1], stop: () => child.kill() }))
      })
      child.on("exit", (code) => resume(Effect.fail(new Error(`the sandbox exited with ${code}`))))
    }),
    (s) => Effect.sync(s.stop)
  )

const createPayment = (url: string) =>
  Effect.promise(() =>
    fetch(`${url}/_sandbox/payments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ txamt: 100 })
    }).then(async (r) => ({ status: r.status, body: await r.json() as { error?: string } }))
  )

describe("qfpay-sandbox", () => {
  it.live("--transactions sets how many transactions it holds; past them it answers as full", () =>
    Effect.gen(function*() {
      const { url } = yield* sandbox(["--transactions", "2"])
      expect((yield* createPayment(url)).status).toBe(201)
      expect((yield* createPayment(url)).status).toBe(201)
      const third = yield* createPayment(url)
      expect(third.status).toBe(507)
      expect(third.body.error).toContain("holds 2 transactions")
    }).pipe(Effect.scoped))

  it.live("a --transactions that is not a positive whole number is refused with its reason", () =>
    Effect.forEach(["0", "-5", "1.5", "many"], (value) =>
      Effect.async<void>((resume) => {
        execFile(
          process.execPath,
          [bin, "--port", "0", "--transactions", value],
          { timeout: 10_000 },
          (error, _, stderr) => {
            expect(error?.code).toBe(1)
            expect(stderr).toContain(`--transactions: expected a positive whole number, got ${value}`)
            resume(Effect.void)
          }
        )
      }), { discard: true }))
})

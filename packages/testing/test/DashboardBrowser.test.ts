/**
 * The sandbox dashboard in a real headless Chromium (`@sparticuz/chromium`, driven by
 * `puppeteer-core`), as a person uses it: the page open on a sandbox, a refund made by the built
 * `qfpay` binary in another process, and the page showing it without a reload; then its buttons
 * add a fault and settle a payment in progress. A browser that cannot start fails the test.
 * `UPDATE_SCREENSHOT=1` writes `docs/sandbox-dashboard.png`, the README's picture. Build first
 * (`pnpm build`): the test runs `packages/cli/dist/bin.js`.
 */
import { SandboxServer, Simulator } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser } from "puppeteer-core"

const here = path.dirname(fileURLToPath(import.meta.url))
const cli = path.resolve(here, "../../cli/dist/bin.js")
const screenshot = path.resolve(here, "../../../docs/sandbox-dashboard.png")

const qfpay = (args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        env: {
          PATH: process.env.PATH ?? "",
          QFPAY_APP_CODE: Simulator.demoCredential.appCode,
          QFPAY_CLIENT_KEY: Simulator.demoCredential.clientKey
        },
        timeout: 15_000
      },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 99), stdout, stderr }))
    )
  })

const admin = (url: string, route: string, body: unknown) =>
  Effect.promise(() =>
    fetch(`${url}/_sandbox${route}`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json() as any)
  )

/** A headless Chromium for the life of the scope. */
const browser = Effect.acquireRelease(
  Effect.promise(async (): Promise<Browser> => {
    const chromium = (await import("@sparticuz/chromium")).default
    const puppeteer = (await import("puppeteer-core")).default
    return puppeteer.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true })
  }),
  (b) => Effect.promise(() => b.close())
)

describe("the sandbox dashboard in a browser", () => {
  it.scopedLive(
    "shows a refund made by qfpay without a reload; its buttons add a fault and settle a payment",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* Effect.map(
          Layer.build(SandboxServer.layer({ logRequests: false })),
          (ctx) => Context.get(ctx, SandboxServer.SandboxServer)
        )
        const { simulator, url } = sandbox
        const paid = yield* admin(url, "/payments", { txamt: 1000, out_trade_no: "ORDER-1001" })
        const waiting = yield* admin(url, "/payments", {
          txamt: 2500,
          pay_type: "800208",
          out_trade_no: "ORDER-1002",
          state: "pending"
        })

        const page = yield* Effect.flatMap(browser, (b) => Effect.promise(() => b.newPage()))
        const errors: Array<string> = []
        page.on("pageerror", (error) => errors.push(String(error)))
        yield* Effect.promise(async () => {
          await page.setViewport({ width: 1200, height: 640 })
          await page.goto(`${url}/_sandbox/`)
          await page.waitForSelector("tr.payment[data-out-trade-no=\"ORDER-1001\"]", { timeout: 5_000 })
          await page.waitForFunction(() => document.getElementById("status")?.textContent === "live", {
            timeout: 5_000
          })
          // Gone if the page reloads.
          await page.evaluate(() => ((window as any).sameDocument = true))
        })
        const refundable = () =>
          Effect.promise(() =>
            page.$eval("tr.payment[data-out-trade-no=\"ORDER-1001\"] td.refundable", (td) => td.textContent)
          )
        expect(yield* refundable()).toBe("1000")

        // A refund by the command line, another process: the page shows it by itself.
        const run = yield* qfpay([
          "refund",
          "--env",
          url,
          "--syssn",
          paid.syssn,
          "--amount",
          "400",
          "--out-trade-no",
          "REFUND-2001",
          "--json"
        ])
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" })
        expect(JSON.parse(run.stdout)).toMatchObject({ status: "settled", respcd: "0000" })
        yield* Effect.promise(() =>
          page.waitForSelector(`tr.refund[data-refund="REFUND-2001"][data-payment="${paid.syssn}"]`, { timeout: 5_000 })
        )
        expect(yield* refundable()).toBe("600")
        expect(yield* Effect.promise(() => page.$eval("#log tr", (tr) => tr.textContent))).toContain(
          "POST /trade/v1/refundrefund0000"
        )

        // The fault form: a rate limit for the next refund, waiting in the sandbox.
        yield* Effect.promise(async () => {
          await page.select("#add-fault select[name=operation]", "refund")
          await page.select("#add-fault select[name=kind]", "rate-limited")
          await page.click("#add-fault button[type=submit]")
          await page.waitForFunction(
            () => document.getElementById("counts")?.textContent?.includes("scripts and faults waiting: 1"),
            { timeout: 5_000 }
          )
        })
        expect(yield* simulator.queued).toBe(1)

        if (process.env.UPDATE_SCREENSHOT === "1") {
          yield* Effect.promise(() => page.screenshot({ path: screenshot, fullPage: true }))
        }

        // Settle the payment in progress with its button.
        const row = `tr[data-in-progress="${waiting.syssn}"]`
        yield* Effect.promise(async () => {
          await page.click(`${row} button.settle`)
          await page.waitForSelector(row, { hidden: true, timeout: 5_000 })
          await page.waitForFunction(
            () =>
              document.querySelector("tr.payment[data-out-trade-no=\"ORDER-1002\"] td.refundable")?.textContent ===
                "2500",
            { timeout: 5_000 }
          )
        })
        expect((yield* simulator.transaction("ORDER-1002")).pipe((t) => t._tag === "Some" && t.value.respcd)).toBe(
          "0000"
        )
        expect(yield* Effect.promise(() => page.$eval("#message", (m) => m.textContent))).toContain("done")

        expect(yield* Effect.promise(() => page.evaluate(() => (window as any).sameDocument))).toBe(true)
        expect(errors).toEqual([])
      }),
    { timeout: 30_000 }
  )
})

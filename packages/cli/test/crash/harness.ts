/**
 * The crash harness: a runner process drives N durable refunds and cancellations (a mix of
 * instant, in-progress and lost-answer outcomes, some slow) against a sandbox server in another
 * process; the harness kills the runner with SIGKILL at seeded random moments, K times, and
 * starts it again; then it checks, for every intent, exactly one refund or cancellation at the
 * sandbox, the amount right, the intent settled in the journal, and nothing left pending that the
 * sandbox shows settled.
 */
import { Intent } from "@effect-qfpay/durable"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const here = Path.dirname(fileURLToPath(import.meta.url))
const bin = Path.resolve(here, "../../dist/bin.js")
const runnerScript = Path.resolve(here, "runner.mjs")

// A small seeded generator (mulberry32): the same seed kills at the same moments.
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

export interface Summary {
  readonly intents: number
  readonly kills: number
  /** Kills that struck a runner still at work (not one that had finished). */
  readonly killedAtWork: number
  readonly doubles: number
  readonly lost: number
  readonly wrongAmounts: number
  readonly notSettled: number
  readonly seconds: number
  readonly problems: ReadonlyArray<string>
}

const waitForLine = (child: ChildProcess, pattern: RegExp, timeoutMs: number) =>
  new Promise<string>((resolve, reject) => {
    let buffer = ""
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${buffer}`)), timeoutMs)
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the process ended (exit ${code}) before printing ${pattern}: ${buffer}`))
    })
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString()
      const match = pattern.exec(buffer)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[0])
      }
    })
  })

const admin = async (url: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}/_sandbox${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`)
  return response.json() as Promise<any>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const run = async (options: { readonly intents: number; readonly kills: number; readonly seed: number }) => {
  const started = Date.now()
  const random = prng(options.seed)
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "qfpay-crash-"))
  const db = Path.join(dir, "durable.db")
  const sandbox = spawn(process.execPath, [bin, "sandbox", "--port", "0", "--json"], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  try {
    const line = await waitForLine(sandbox, /\{.*"url".*\}/, 30_000)
    if (process.env.CRASH_DEBUG) console.error("sandbox", line)
    const url: string = JSON.parse(line).url
    // The plan: payments in the sandbox, and what each intent meets there.
    const plan: Array<Record<string, unknown>> = []
    for (let i = 0; i < options.intents; i++) {
      const intent = `crash-${options.seed}-${i}`
      const roll = random()
      if (i % 4 === 3) {
        const payment = await admin(url, "/payments", { txamt: 500 + i, state: "pending", pay_type: "800101" })
        plan.push({
          intent,
          kind: "cancel",
          syssn: payment.syssn,
          txamt: payment.txamt,
          txdtm: payment.txdtm,
          pay_type: "800101"
        })
        continue
      }
      const payment = await admin(url, "/payments", { txamt: 10_000 + i, state: "paid" })
      const txamt = 1000 + i
      const out_trade_no = Intent.outTradeNo(intent)
      if (roll < 0.35) {
        // In progress: settles after a few enquiries.
        await admin(url, "/scripts", {
          out_trade_no,
          outcomes: [{ outcome: "pending", after_enquiries: 1 + Math.floor(random() * 5) }]
        })
      } else if (roll < 0.6) {
        // Applied, answer lost; then slow answers for the lookups.
        await admin(url, "/faults", { operation: "refund", fault: { kind: "lost-after" }, times: 1 })
      }
      plan.push({ intent, kind: "refund", syssn: payment.syssn, txamt })
    }
    // Slow answers here and there, so that kills land with requests in flight.
    await admin(url, "/faults", { fault: { kind: "latency", millis: 700 }, times: 3 * options.intents })
    if (process.env.CRASH_DEBUG) console.error("plan", plan.length)
    const planFile = Path.join(dir, "plan.json")
    Fs.writeFileSync(planFile, JSON.stringify(plan))

    const start = () =>
      spawn(process.execPath, [runnerScript, db, url, planFile], {
        cwd: Path.resolve(here, "../.."),
        stdio: ["ignore", "pipe", "pipe"]
      })
    const exited = (child: ChildProcess) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise((r) => child.once("exit", r))
    let kills = 0
    let killedAtWork = 0
    for (; kills < options.kills; kills++) {
      const runner = start()
      let output = ""
      runner.stderr!.on("data", (c: Buffer) => (output += c.toString()))
      await sleep(400 + Math.floor(random() * 2600))
      const early = runner.exitCode !== null
        ? `the runner ended by itself (exit ${runner.exitCode}): ${output}`
        : undefined
      if (early === undefined) killedAtWork++
      runner.kill("SIGKILL")
      await exited(runner)
      if (early !== undefined && process.env.CRASH_DEBUG) console.error(early)
    }
    const last = start()
    let stderr = ""
    last.stderr!.on("data", (c: Buffer) => (stderr += c.toString()))
    const finalLine = await waitForLine(last, /\{"results".*\}\n/, 10 * 60_000).catch((e) => {
      throw new Error(`${e.message}\n${stderr}`)
    })
    await exited(last)
    const final = JSON.parse(finalLine) as {
      results: Array<{ intent: string; ok: boolean; error?: string }>
      states: Array<{ intent: string; state: string }>
    }

    const transactions: Array<any> = await admin(url, "/transactions")
    const problems: Array<string> = []
    let doubles = 0
    let lost = 0
    let wrongAmounts = 0
    for (const item of plan) {
      const intent = item.intent as string
      if (item.kind === "refund") {
        const refunds = transactions.filter((t) => t.kind === "refund" && t.origssn === item.syssn)
        const settled = refunds.filter((t) => t.respcd === "0000")
        if (refunds.length > 1 || settled.length > 1) {
          doubles++
          problems.push(`${intent}: ${refunds.length} refunds`)
        }
        if (settled.length === 0) {
          lost++
          problems.push(`${intent}: no settled refund (${refunds.map((r) => r.respcd).join(", ")})`)
        }
        if (settled.some((t) => t.txamt !== item.txamt || t.out_trade_no !== Intent.outTradeNo(intent))) {
          wrongAmounts++
          problems.push(`${intent}: refund of the wrong amount or id`)
        }
      } else {
        const payment = transactions.find((t) => t.syssn === item.syssn)
        if (payment?.cancel !== 1 && payment?.cancel !== 2) {
          lost++
          problems.push(`${intent}: payment not cancelled (cancel ${payment?.cancel})`)
        }
      }
    }
    const notSettled = final.states.filter((s) => s.state !== "settled")
    for (const s of notSettled) problems.push(`${s.intent}: ${s.state} in the journal`)
    for (const r of final.results.filter((r) => !r.ok)) problems.push(`${r.intent}: ${r.error}`)
    if (final.states.length !== plan.length) {
      problems.push(`${final.states.length} intents journalled of ${plan.length}`)
    }
    const summary: Summary = {
      intents: plan.length,
      kills,
      killedAtWork,
      doubles,
      lost,
      wrongAmounts,
      notSettled: notSettled.length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      problems
    }
    return summary
  } finally {
    sandbox.kill("SIGTERM")
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The one-line summary the issue asks for. */
export const line = (s: Summary) =>
  `crash harness: ${s.intents} intents, ${s.kills} kills (${s.killedAtWork} mid-work), ${s.doubles} doubles, ${s.lost} lost, ${s.wrongAmounts} wrong amounts, ${s.notSettled} not settled, ${s.seconds} s`

/**
 * 2. A refund over HTTP on loopback against the sandbox server (its own process), through the
 * library's HTTP layer, against a raw undici client sending the identical signed request.
 */
import { refund } from "@effect-qfpay/core"
import { HttpTransport } from "@effect-qfpay/http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Effect, Layer, ManagedRuntime } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Agent, request } from "undici"
import { summary } from "./stats.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const APP_CODE = "SANDBOX0APPCODE0000000000000001"
const CLIENT_KEY = "SANDBOX0CLIENTKEY000000000000001"

const startSandbox = () =>
  new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "packages/testing/dist/bin.js"), "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match !== null) resolve({ child, url: match[1] })
    })
    child.on("exit", (code) => reject(new Error(`the sandbox exited with ${code}`)))
  })

const sign = (params: Record<string, string>): string => {
  let s = ""
  for (const name of Object.keys(params).sort()) s += (s === "" ? "" : "&") + name + "=" + params[name]
  return createHash("md5").update(s + CLIENT_KEY, "utf8").digest("hex").toUpperCase()
}

// Runs `total` operations with `concurrency` workers; per-operation latencies in ms, and the
// client's own CPU time per operation (steadier than wall time when client and server share
// the machine's cores).
const drive = async (total: number, concurrency: number, op: (i: number) => Promise<void>) => {
  const latencies: Array<number> = []
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++
        const t = performance.now()
        await op(i)
        latencies.push(performance.now() - t)
      }
    })
  )
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { ...summary(latencies), throughput: total / seconds, cpuMicros: (used.user + used.system) / total }
}

export interface Row {
  readonly client: "library" | "raw undici" | "platform HttpClient alone"
  readonly concurrency: number
  readonly p50: number
  readonly p99: number
  readonly throughput: number
  readonly cpuMicros: number
}

export const run = async (options: { readonly sequential: number; readonly concurrent: number }) => {
  const { child, url } = await startSandbox()
  try {
    const created = await fetch(`${url}/_sandbox/payments`, {
      method: "POST",
      body: JSON.stringify({ txamt: 99_999_999_999 }),
      headers: { "content-type": "application/json" }
    }).then((r) => r.json() as Promise<{ syssn: string }>)
    const syssn = created.syssn

    // The raw client: the seeds' algorithm over undici, keep-alive, nothing else.
    const agent = new Agent({ connections: 128, pipelining: 1 })
    let rawSeq = 0
    const raw = async () => {
      const params = { syssn, txamt: "1", out_trade_no: `RAW${++rawSeq}`, txdtm: "2026-11-22 10:00:00" }
      const response = await request(`${url}/trade/v1/refund`, {
        method: "POST",
        dispatcher: agent,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-qf-appcode": APP_CODE,
          "x-qf-sign": sign(params)
        },
        body: new URLSearchParams(params).toString()
      })
      const answer = (await response.body.json()) as { respcd: string }
      if (answer.respcd !== "0000") throw new Error(`raw refund answered ${answer.respcd}`)
    }

    // The library: the real program over the real HTTP layer (client-side rate limiting off:
    // it caps at QFPay's 100 requests/s by design, which is not what is measured here).
    const runtime = ManagedRuntime.make(
      HttpTransport.layer({
        environment: url,
        appCode: APP_CODE,
        clientKey: CLIENT_KEY,
        rateLimit: false
      }).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.orDie)
    )
    const library = () => runtime.runPromise(Effect.asVoid(refund({ syssn, txamt: 1 })))

    // What @effect/platform's client costs by itself: the same signed request, no library.
    const platformRuntime = ManagedRuntime.make(NodeHttpClient.layerUndici)
    let platformSeq = 0
    const platform = () =>
      platformRuntime.runPromise(
        Effect.gen(function*() {
          const client = yield* HttpClient.HttpClient
          const params = { syssn, txamt: "1", out_trade_no: `PLAT${++platformSeq}`, txdtm: "2026-11-22 10:00:00" }
          const response = yield* client.execute(
            HttpClientRequest.post(`${url}/trade/v1/refund`).pipe(
              HttpClientRequest.bodyUrlParams(params),
              HttpClientRequest.setHeaders({ "x-qf-appcode": APP_CODE, "x-qf-sign": sign(params) })
            )
          )
          const answer = JSON.parse(yield* response.text) as { respcd: string }
          if (answer.respcd !== "0000") yield* Effect.die(new Error(`platform refund answered ${answer.respcd}`))
        }).pipe(Effect.scoped)
      )

    const rows: Array<Row> = []
    const clients = [["raw undici", raw], ["platform HttpClient alone", platform], ["library", library]] as const
    // Warm all up, then alternate so that drift hits all alike; keep each one's best of two.
    for (const [, op] of clients) await drive(300, 8, op)
    for (const concurrency of [1, 64]) {
      const total = concurrency === 1 ? options.sequential : options.concurrent
      const best = new Map<string, Omit<Row, "client" | "concurrency">>()
      for (let round = 0; round < 2; round++) {
        for (const [name, op] of clients) {
          const result = await drive(total, concurrency, op)
          const previous = best.get(name)
          if (previous === undefined || result.throughput > previous.throughput) best.set(name, result)
        }
      }
      for (const [name] of clients) rows.push({ client: name, concurrency, ...best.get(name)! })
    }
    await runtime.dispose()
    await platformRuntime.dispose()
    await agent.close()
    return rows
  } finally {
    child.kill()
  }
}

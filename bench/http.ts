/**
 * 2. A refund over HTTP on loopback against the sandbox server (its own process): the library
 * over each transport, each transport's `send` alone, and `@effect/platform`'s client alone,
 * against a raw undici client sending the identical signed request. Then the per-request
 * deadline's cost, measured for each way of writing it around the same `send`.
 */
import { refund, type Transport } from "@effect-qfpay/core"
import { Endpoint, QFPayError } from "@effect-qfpay/core"
import { HttpTransport, NodeTransport } from "@effect-qfpay/http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Duration, Effect, Layer, ManagedRuntime, Tracer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Agent, request } from "undici"
import { fmt, median, summary } from "./stats.js"

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
const drive = async (total: number, concurrency: number, op: () => Promise<void>) => {
  const latencies: Array<number> = []
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++
        const t = performance.now()
        await op()
        latencies.push(performance.now() - t)
      }
    })
  )
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { ...summary(latencies), throughput: total / seconds, cpuMicros: (used.user + used.system) / total }
}

type Measure = Awaited<ReturnType<typeof drive>>

// Rounds alternate between the clients so that drift hits all alike; each figure is the
// median of its rounds.
const compare = async (
  clients: ReadonlyArray<readonly [string, () => Promise<void>]>,
  concurrency: number,
  total: number,
  rounds: number
) => {
  const all = new Map<string, Array<Measure>>()
  for (let round = 0; round < rounds; round++) {
    for (const [name, op] of clients) {
      const result = await drive(total, concurrency, op)
      all.set(name, [...(all.get(name) ?? []), result])
    }
  }
  return clients.map(([name]) => {
    const results = all.get(name)!
    return {
      client: name,
      concurrency,
      p50: median(results.map((r) => r.p50)),
      p99: median(results.map((r) => r.p99)),
      throughput: median(results.map((r) => r.throughput)),
      cpuMicros: median(results.map((r) => r.cpuMicros))
    }
  })
}

/**
 * @since 0.2.0
 */
export type Row = Awaited<ReturnType<typeof compare>>[number]

export const RAW = "raw undici"
export const NODE = "library over NodeTransport"
export const PLATFORM = "library over HttpTransport"
export const NODE_SEND = "NodeTransport send alone"
export const PLATFORM_SEND = "HttpTransport send alone"
export const CLIENT_ALONE = "platform HttpClient alone"

export const run = async (options: { readonly sequential: number; readonly concurrent: number }) => {
  const { child, url } = await startSandbox()
  try {
    const created = await fetch(`${url}/_sandbox/payments`, {
      method: "POST",
      body: JSON.stringify({ txamt: 99_999_999_999 }),
      headers: { "content-type": "application/json" }
    }).then((r) => r.json() as Promise<{ syssn: string }>)
    const syssn = created.syssn
    let seq = 0
    const params = () => ({ syssn, txamt: "1", out_trade_no: `B${++seq}`, txdtm: "2026-11-22 10:00:00" })
    const check = (body: string) => {
      const answer = JSON.parse(body) as { respcd: string }
      if (answer.respcd !== "0000") throw new Error(`a refund answered ${answer.respcd}`)
    }

    // The raw client: the seeds' algorithm over undici, keep-alive, nothing else.
    const agent = new Agent({ connections: 128, pipelining: 1 })
    const raw = async () => {
      const p = params()
      const response = await request(`${url}/trade/v1/refund`, {
        method: "POST",
        dispatcher: agent,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-qf-appcode": APP_CODE,
          "x-qf-sign": sign(p)
        },
        body: new URLSearchParams(p).toString()
      })
      check(await response.body.text())
    }

    // The library: the real program over each transport, as a user writes it (tracing on, the
    // default). Client-side rate limiting off: it holds a process to QFPay's 100 requests/s by
    // design, which is not what is measured here.
    const config = { environment: url, appCode: APP_CODE, clientKey: CLIENT_KEY, rateLimit: false } as const
    const nodeRuntime = ManagedRuntime.make(NodeTransport.layer(config).pipe(Layer.orDie))
    const platformRuntime = ManagedRuntime.make(
      HttpTransport.layer(config).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.orDie)
    )
    const library = (runtime: typeof nodeRuntime) => () =>
      runtime.runPromise(Effect.asVoid(refund({ syssn, txamt: 1 })))

    // Each transport's `send` alone: the raw client's work (sign, encode, parse) through it.
    const sendAlone = (transport: Transport.Service, runtime: ManagedRuntime.ManagedRuntime<never, never>) => () => {
      const p = params()
      return runtime.runPromise(
        Effect.map(
          transport.send({
            endpoint: Endpoint.refund,
            params: p,
            headers: { "X-QF-APPCODE": APP_CODE, "X-QF-SIGN": sign(p) }
          }),
          (answer) => check(answer.body)
        )
      )
    }
    const bare = ManagedRuntime.make(Layer.empty)
    const clientRuntime = ManagedRuntime.make(NodeHttpClient.layerUndici)
    const client = await clientRuntime.runPromise(HttpClient.HttpClient)
    const platformSend = (timeout: Duration.DurationInput) =>
      HttpTransport.fromClient(client, { baseUrl: url, timeout })
    const nodeSend = (timeout: Duration.DurationInput) =>
      NodeTransport.make({ baseUrl: url, dispatcher: agent, timeout })

    // What @effect/platform's client costs by itself: the same signed request, no library.
    const platform = () => {
      const p = params()
      return bare.runPromise(
        Effect.gen(function*() {
          const response = yield* client.execute(
            HttpClientRequest.post(`${url}/trade/v1/refund`).pipe(
              HttpClientRequest.bodyUrlParams(p),
              HttpClientRequest.setHeaders({ "x-qf-appcode": APP_CODE, "x-qf-sign": sign(p) })
            )
          )
          check(yield* response.text)
        }).pipe(Effect.scoped)
      )
    }

    const clients = [
      [RAW, raw],
      [NODE, library(nodeRuntime)],
      [PLATFORM, library(platformRuntime)],
      [NODE_SEND, sendAlone(nodeSend(HttpTransport.DEFAULT_TIMEOUT), bare)],
      [PLATFORM_SEND, sendAlone(platformSend(HttpTransport.DEFAULT_TIMEOUT), bare)],
      [CLIENT_ALONE, platform]
    ] as const
    for (const [, op] of clients) await drive(300, 8, op)
    const rows: Array<Row> = []
    for (const concurrency of [1, 64]) {
      rows.push(
        ...await compare(clients, concurrency, concurrency === 1 ? options.sequential : options.concurrent, 3)
      )
    }

    // The deadline, written each way around the same `send` with no deadline of its own; and
    // NodeTransport's span.
    const timeout = Duration.seconds(15)
    const onTimeout = () =>
      new QFPayError.TransportError({ endpoint: "refund", reason: "Timeout", ambiguous: true, detail: "bench" })
    const around = (
      transport: Transport.Service,
      wrap: (
        effect: Effect.Effect<Transport.TransportResponse, QFPayError.TransportError>
      ) => Effect.Effect<Transport.TransportResponse, QFPayError.TransportError>
    ): Transport.Service => ({ send: (request) => wrap(transport.send(request)) })
    const noDeadline = platformSend(Duration.infinity)
    // A tracer that is not Effect's built-in one (which NodeTransport skips spans for): it
    // makes the same spans, so the row shows what making them costs.
    const builtIn = await bare.runPromise(Effect.tracer)
    const ownTracer = Tracer.make({ span: (...args) => builtIn.span(...args), context: (f) => f() })
    const deadlines = [
      ["HttpTransport, no deadline", sendAlone(noDeadline, bare)],
      ["HttpTransport, its deadline (one child fiber, one timer)", sendAlone(platformSend(timeout), bare)],
      [
        "HttpTransport, Effect.timeoutFail",
        sendAlone(around(noDeadline, Effect.timeoutFail({ duration: timeout, onTimeout })), bare)
      ],
      [
        "HttpTransport, Effect.race with Effect.sleep",
        sendAlone(
          around(noDeadline, (e) => Effect.race(e, Effect.zipRight(Effect.sleep(timeout), Effect.fail(onTimeout())))),
          bare
        )
      ],
      [
        "HttpTransport, Effect.timeoutFail of Effect.disconnect",
        sendAlone(
          around(noDeadline, (e) => Effect.timeoutFail(Effect.disconnect(e), { duration: timeout, onTimeout })),
          bare
        )
      ],
      ["NodeTransport, no deadline", sendAlone(nodeSend(Duration.infinity), bare)],
      ["NodeTransport, its deadline (one timer)", sendAlone(nodeSend(timeout), bare)],
      [
        "NodeTransport, its deadline and its span (a tracer of your own)",
        sendAlone(around(nodeSend(timeout), Effect.withTracer(ownTracer)), bare)
      ]
    ] as const
    for (const [, op] of deadlines) await drive(300, 8, op)
    const deadlineRows = await compare(deadlines, 64, options.concurrent, 3)

    await nodeRuntime.dispose()
    await platformRuntime.dispose()
    await clientRuntime.dispose()
    await bare.dispose()
    await agent.close()
    return { rows, deadlineRows }
  } finally {
    child.kill()
  }
}

/**
 * Section 2 of the report and the console lines, from one run's figures.
 */
export const report = (
  result: Awaited<ReturnType<typeof run>>,
  context: { readonly cores: number; readonly quick: boolean }
) => {
  const { deadlineRows, rows } = result
  const at = (client: string, concurrency: number) =>
    rows.find((r) => r.client === client && r.concurrency === concurrency)!
  const target = (ok: boolean) => (ok ? "met" : "**missed**")
  const ratios = (client: string) =>
    [1, 64].map((c) => {
      const row = at(client, c)
      const floor = at(RAW, c)
      return {
        concurrency: c,
        cpu: row.cpuMicros / floor.cpuMicros,
        p50: row.p50 / floor.p50,
        throughput: row.throughput / floor.throughput
      }
    })
  const raw1 = at(RAW, 1)
  const raw64 = at(RAW, 64)
  const ratioRow = (client: string) => {
    const [s, c] = ratios(client)
    return `| ${client} | ${fmt(s.cpu, 2)} | ${fmt(c.cpu, 2)} | ${fmt(s.p50, 2)} | ${fmt(c.p50, 2)} | ${
      fmt(c.throughput, 2)
    } |`
  }
  const verdict = (client: string) => {
    const [s, c] = ratios(client)
    return `| ${client} | ${target(s.cpu <= 2.5 && c.cpu <= 2.5)} | ${target(s.p50 <= 1.3 && c.p50 <= 1.3)} | ${
      target(c.throughput >= 0.8)
    } |`
  }
  const lines = [
    ...rows.map((row) =>
      `  ${row.client.padEnd(28)} concurrency ${String(row.concurrency).padStart(2)}: p50 ${fmt(row.p50, 2)} ms, p99 ${
        fmt(row.p99, 2)
      } ms, ${fmt(row.throughput, 0)}/s, CPU ${fmt(row.cpuMicros, 0)} µs`
    ),
    ...[NODE, PLATFORM, NODE_SEND, PLATFORM_SEND].map((client) => {
      const [s, c] = ratios(client)
      return `  ${client} ÷ raw undici: CPU ${fmt(s.cpu, 2)} / ${fmt(c.cpu, 2)}, p50 ${fmt(s.p50, 2)} / ${
        fmt(c.p50, 2)
      }, throughput (64) ${fmt(c.throughput, 2)}`
    }),
    `  floor (raw undici): concurrency 1 ${fmt(raw1.cpuMicros, 0)} µs CPU, p50 ${fmt(raw1.p50, 3)} ms; concurrency 64 ${
      fmt(raw64.cpuMicros, 0)
    } µs CPU, p50 ${fmt(raw64.p50, 2)} ms, ${fmt(raw64.throughput, 0)}/s`,
    ...deadlineRows.map((row) =>
      `  send alone, ${row.client.padEnd(64)} CPU ${fmt(row.cpuMicros, 0)} µs, ${fmt(row.throughput, 0)}/s`
    )
  ]
  const node64 = at(NODE, 64)
  const nodeSend64 = at(NODE_SEND, 64)
  const platform64 = at(PLATFORM, 64)
  const platformSend64 = at(PLATFORM_SEND, 64)
  const alone64 = at(CLIENT_ALONE, 64)
  const noDeadline = deadlineRows[0]
  const markdown = `## 2. A refund over HTTP on loopback

The sandbox server in a process of its own; refunds of one cent against one payment; client
and server share the machine's ${context.cores} cores. "Library" rows run the real \`refund\` program
(validate, sign, send, decode, classify, inside its spans) over each transport, as a user writes
it: tracing on (Effect's default tracer), client-side rate limiting off (on, it holds a process to
QFPay's 100 requests/s by design). "Send alone" rows do the raw client's work (sign, encode,
parse the JSON) through the transport's \`send\`, so they show what the transport costs by
itself. The raw client (the floor) is undici sending the identical signed form POST through a
keep-alive \`Agent\`. \`NodeTransport\` is the lean transport over undici's dispatcher;
\`HttpTransport\` runs over \`@effect/platform\`'s \`HttpClient\` (\`NodeHttpClient.layerUndici\`
here), and "platform HttpClient alone" sends the same request with nothing of this library.
Each figure is the median of three rounds that alternate between the clients${
    context.quick ? " (quick mode: fewer requests)" : ""
  }.

| client | concurrency | p50 | p99 | throughput | client CPU per request |
|---|---:|---:|---:|---:|---:|
${
    rows.map((r) =>
      `| ${r.client} | ${r.concurrency} | ${fmt(r.p50, 2)} ms | ${fmt(r.p99, 2)} ms | ${fmt(r.throughput, 0)}/s | ${
        fmt(r.cpuMicros, 0)
      } µs |`
    ).join("\n")
  }

Each ÷ raw undici in the same run. The floor's own figures: concurrency 1, ${fmt(raw1.cpuMicros, 0)} µs of CPU per
refund and p50 ${fmt(raw1.p50, 3)} ms; concurrency 64, ${fmt(raw64.cpuMicros, 0)} µs, p50 ${fmt(raw64.p50, 2)} ms and ${
    fmt(raw64.throughput, 0)
  } refunds/s.

| ÷ raw undici | CPU, conc. 1 | CPU, conc. 64 | p50, conc. 1 | p50, conc. 64 | throughput, conc. 64 |
|---|---:|---:|---:|---:|---:|
${[NODE, PLATFORM, NODE_SEND, PLATFORM_SEND, CLIENT_ALONE].map(ratioRow).join("\n")}

| targets | CPU ≤ 2.5 (both) | p50 ≤ 1.3 (both) | throughput ≥ 0.8 |
|---|---|---|---|
${[NODE, PLATFORM].map(verdict).join("\n")}

The per-request deadline, written each way around the same \`send\`, and \`NodeTransport\`'s span
(made only under a tracer other than Effect's built-in one), at concurrency 64 in the same run:

| \`send\` alone | client CPU per request | throughput |
|---|---:|---:|
${deadlineRows.map((r) => `| ${r.client} | ${fmt(r.cpuMicros, 0)} µs | ${fmt(r.throughput, 0)}/s |`).join("\n")}

Where the CPU goes at concurrency 64 (client-side, per request): raw undici ${fmt(raw64.cpuMicros, 0)} µs;
\`NodeTransport\`'s \`send\` alone ${fmt(nodeSend64.cpuMicros, 0)} µs, so ${
    fmt(nodeSend64.cpuMicros - raw64.cpuMicros, 0)
  } µs for the transport (one fiber run,
one \`Effect.async\`, one timer, its span); the full \`refund\` over it ${fmt(node64.cpuMicros, 0)} µs, so ${
    fmt(node64.cpuMicros - nodeSend64.cpuMicros, 0)
  } µs
for core's program (validation, signing, the answer's decode and classification, its spans),
which is being reduced separately. \`HttpTransport\`'s \`send\` alone ${fmt(platformSend64.cpuMicros, 0)} µs, of which
\`@effect/platform\`'s client by itself is ${fmt(alone64.cpuMicros, 0)} µs; its refund ${
    fmt(platform64.cpuMicros, 0)
  } µs. Neither transport
uses \`Effect.timeoutFail\`: it races the exchange against an Effect sleep in two forked fibers,
${fmt(deadlineRows[2].cpuMicros - noDeadline.cpuMicros, 0)} µs a request here against ${
    fmt(deadlineRows[1].cpuMicros - noDeadline.cpuMicros, 0)
  } µs for \`HttpTransport\`'s one child fiber and one timer
(differences within a few µs are noise). On this shared machine figures move by about ±20% from
run to run; compare the rows of one run.
`
  return { lines, markdown }
}

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
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Duration, Effect, Layer, ManagedRuntime, Tracer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Agent, Dispatcher, request } from "undici"
import { fmt, median, summary } from "./stats.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
export const APP_CODE = "SANDBOX0APPCODE0000000000000001"
export const CLIENT_KEY = "SANDBOX0CLIENTKEY000000000000001"

export const startSandbox = () =>
  new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    // A full run sends a few hundred thousand refunds: more than the sandbox's default 100 000.
    const args = [path.join(root, "packages/testing/dist/bin.js"), "--port", "0", "--transactions", "1000000"]
    const child = spawn(process.execPath, args, {
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

export const sign = (params: Record<string, string>): string => {
  let s = ""
  for (const name of Object.keys(params).sort()) s += (s === "" ? "" : "&") + name + "=" + params[name]
  return createHash("md5").update(s + CLIENT_KEY, "utf8").digest("hex").toUpperCase()
}

/**
 * A payment large enough for every refund of a run, and a maker of those refunds' parameters:
 * one cent each, a fresh `out_trade_no` (`prefix` and a count) each.
 */
export const refundTarget = async (url: string, prefix: string) => {
  const { syssn } = await fetch(`${url}/_sandbox/payments`, {
    method: "POST",
    body: JSON.stringify({ txamt: 99_999_999_999 }),
    headers: { "content-type": "application/json" }
  }).then((r) => r.json() as Promise<{ syssn: string }>)
  let seq = 0
  return {
    syssn,
    params: () => ({ syssn, txamt: "1", out_trade_no: `${prefix}${++seq}`, txdtm: "2026-11-22 10:00:00" })
  }
}

/** The raw client (the floor): the seeds' algorithm over undici, keep-alive, nothing else. The answer's body. */
export const rawRefund = async (url: string, dispatcher: Dispatcher, params: Record<string, string>) => {
  const response = await request(`${url}/trade/v1/refund`, {
    method: "POST",
    dispatcher,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-qf-appcode": APP_CODE,
      "x-qf-sign": sign(params)
    },
    body: new URLSearchParams(params).toString()
  })
  return response.body.text()
}

/** A transport's `send` alone, doing the raw client's work (sign, encode) through it. The answer's body. */
export const sendRefund = (transport: Transport.Service, params: Record<string, string>) =>
  Effect.map(
    transport.send({
      endpoint: Endpoint.refund,
      params,
      headers: { "X-QF-APPCODE": APP_CODE, "X-QF-SIGN": sign(params) }
    }),
    (answer) => answer.body
  )

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

// The same mechanisms in process, around stand-ins for the network that answer on the next turn
// of the event loop: no I/O and no server, so differences of a microsecond show.
const inProcess = async (
  total: number,
  around: (
    transport: Transport.Service,
    wrap: (
      effect: Effect.Effect<Transport.TransportResponse, QFPayError.TransportError>
    ) => Effect.Effect<Transport.TransportResponse, QFPayError.TransportError>
  ) => Transport.Service,
  onTimeout: () => QFPayError.TransportError,
  timeout: Duration.Duration
) => {
  const body = `{"respcd":"0000","resperr":"ok","syssn":"20191227000200020061752831","txamt":"1"}`
  const bytes = Buffer.from(body)
  const client = HttpClient.make((request) =>
    Effect.async((resume) => {
      setImmediate(() =>
        resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status: 200 }))))
      )
    })
  )
  class Answering extends Dispatcher {
    override dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      setImmediate(() => {
        const controller = { abort() {}, pause() {}, resume() {}, aborted: false, paused: false, reason: null }
        handler.onRequestStart?.(controller, {})
        handler.onResponseStart?.(controller, 200, { "content-type": "application/json" }, "OK")
        handler.onResponseData?.(controller, bytes)
        handler.onResponseEnd?.(controller, {})
      })
      return true
    }
  }
  const dispatcher = new Answering()
  const baseUrl = "http://127.0.0.1:9"
  const platform = (t: Duration.DurationInput) => HttpTransport.fromClient(client, { baseUrl, timeout: t })
  const node = (t: Duration.DurationInput) => NodeTransport.make({ baseUrl, dispatcher, timeout: t })
  const bare = ManagedRuntime.make(Layer.empty)
  const builtIn = await bare.runPromise(Effect.tracer)
  const traced = ManagedRuntime.make(
    Layer.setTracer(Tracer.make({ span: (...args) => builtIn.span(...args), context: (f) => f() }))
  )
  const request = {
    endpoint: Endpoint.refund,
    params: { syssn: "20191227000200020061752831", txamt: "1", out_trade_no: "B1", txdtm: "2026-11-22 10:00:00" },
    headers: { "X-QF-APPCODE": APP_CODE, "X-QF-SIGN": "0123456789ABCDEF0123456789ABCDEF" }
  }
  const send = (transport: Transport.Service, runtime: ManagedRuntime.ManagedRuntime<never, never> = bare) => () =>
    runtime.runPromise(Effect.asVoid(transport.send(request)))
  const noDeadline = platform(Duration.infinity)
  const variants = [
    ["HttpTransport, no deadline", send(noDeadline)],
    ["HttpTransport, its deadline (one child fiber, one timer)", send(platform(timeout))],
    [
      "HttpTransport, Effect.timeoutFail",
      send(around(noDeadline, Effect.timeoutFail({ duration: timeout, onTimeout })))
    ],
    [
      "HttpTransport, Effect.race with Effect.sleep",
      send(around(noDeadline, (e) => Effect.race(e, Effect.zipRight(Effect.sleep(timeout), Effect.fail(onTimeout())))))
    ],
    [
      "HttpTransport, Effect.timeoutFail of Effect.disconnect",
      send(around(noDeadline, (e) => Effect.timeoutFail(Effect.disconnect(e), { duration: timeout, onTimeout })))
    ],
    ["NodeTransport, no deadline", send(node(Duration.infinity))],
    ["NodeTransport, its deadline (one timer)", send(node(timeout))],
    ["NodeTransport, its deadline and its span (a tracer of your own)", send(node(timeout), traced)]
  ] as const
  for (const [, op] of variants) await drive(5000, 64, op)
  const rows = await compare(variants, 64, total, 5)
  await bare.dispose()
  await traced.dispose()
  return rows
}

export const RAW = "raw undici"
export const NODE = "library over NodeTransport"
export const PLATFORM = "library over HttpTransport"
export const NODE_SEND = "NodeTransport send alone"
export const PLATFORM_SEND = "HttpTransport send alone"
export const CLIENT_ALONE = "platform HttpClient alone"

export const run = async (options: {
  readonly sequential: number
  readonly concurrent: number
  readonly deadlineRequests: number
  readonly inProcessRequests: number
}) => {
  const { child, url } = await startSandbox()
  try {
    const { params, syssn } = await refundTarget(url, "B")
    const check = (body: string) => {
      const answer = JSON.parse(body) as { respcd: string }
      if (answer.respcd !== "0000") throw new Error(`a refund answered ${answer.respcd}`)
    }

    // The raw client: the seeds' algorithm over undici, keep-alive, nothing else.
    const agent = new Agent({ connections: 128, pipelining: 1 })
    const raw = async () => check(await rawRefund(url, agent, params()))

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
    const sendAlone = (transport: Transport.Service, runtime: ManagedRuntime.ManagedRuntime<never, never>) => () =>
      runtime.runPromise(Effect.map(sendRefund(transport, params()), check))
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
    const traced = ManagedRuntime.make(
      Layer.setTracer(Tracer.make({ span: (...args) => builtIn.span(...args), context: (f) => f() }))
    )
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
        sendAlone(nodeSend(timeout), traced)
      ]
    ] as const
    for (const [, op] of deadlines) await drive(300, 8, op)
    const deadlineRows = await compare(deadlines, 64, options.deadlineRequests, 5)
    const mechanisms = await inProcess(options.inProcessRequests, around, onTimeout, timeout)

    await nodeRuntime.dispose()
    await platformRuntime.dispose()
    await clientRuntime.dispose()
    await bare.dispose()
    await traced.dispose()
    await agent.close()
    return { rows, deadlineRows, mechanisms }
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
  const { deadlineRows, mechanisms, rows } = result
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
    ),
    ...mechanisms.map((row) => `  in process, ${row.client.padEnd(64)} CPU ${fmt(row.cpuMicros, 1)} µs`)
  ]
  const node1 = at(NODE, 1)
  const nodeSend1 = at(NODE_SEND, 1)
  const node64 = at(NODE, 64)
  const nodeSend64 = at(NODE_SEND, 64)
  const platform64 = at(PLATFORM, 64)
  const platformSend64 = at(PLATFORM_SEND, 64)
  const alone64 = at(CLIENT_ALONE, 64)
  const alone1 = at(CLIENT_ALONE, 1)
  // Differences below a microsecond (or below zero) are noise.
  const micro = (n: number) => (n < 1 ? "under 1 µs" : `${fmt(n, 1)} µs`)
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
(made only under a tracer other than Effect's built-in one): over loopback at concurrency 64,
and in process around stand-ins for the network that answer on the next turn of the event loop
(no I/O, no server: there a microsecond shows). Same run; medians of five rounds.

| \`send\` alone | over loopback: client CPU per request | throughput | in process: CPU per request |
|---|---:|---:|---:|
${
    deadlineRows.map((r, i) =>
      `| ${r.client} | ${fmt(r.cpuMicros, 0)} µs | ${fmt(r.throughput, 0)}/s | ${fmt(mechanisms[i].cpuMicros, 1)} µs |`
    ).join("\n")
  }

What the transport costs, and what bounds the rest. At concurrency 64 raw undici spends ${fmt(raw64.cpuMicros, 0)} µs of
client CPU per refund and \`NodeTransport\`'s \`send\` alone ${fmt(nodeSend64.cpuMicros, 0)} µs (${
    fmt(nodeSend1.cpuMicros, 0)
  } against ${fmt(raw1.cpuMicros, 0)} µs at concurrency 1). That
is close because the transport drives undici's dispatcher directly: no \`Readable\` body stream
and no \`AsyncResource\` per request, as \`request()\` has. \`node bench/dist/profile.js\` (a CPU
profile, 200 µs sampling, 20 000 refunds at concurrency 64; three runs on a quiet machine while
this was written) puts raw undici at 46–59 µs of profiled JavaScript a refund (undici 26–35,
Node 13–16, collection 5–6) and \`NodeTransport\`'s \`send\` at 15–25 µs more: Effect's runtime
9–13 µs (the fiber each call runs on, one \`Effect.async\`), 15–18 µs more collection, 3–5 µs in
the transport's own code, a little less in undici. The full \`refund\` over \`NodeTransport\` spends ${
    fmt(node64.cpuMicros - nodeSend64.cpuMicros, 0)
  } µs more than its \`send\` alone at concurrency 64 (${fmt(node1.cpuMicros - nodeSend1.cpuMicros, 0)} µs at 1):
that is core's program (validate, sign, decode and classify the answer, its spans), measured
without I/O in section 3 (the client's \`refund\` against a canned answer), plus more
collection and a larger working set around undici's own work. Sequentially those microseconds add straight to a ${
    fmt(raw1.p50, 2)
  } ms
round trip: the refund's p50 is ${fmt(node1.p50 - raw1.p50, 2)} ms above raw undici's, its \`send\` alone ${
    fmt(nodeSend1.p50 - raw1.p50, 2)
  } ms.

\`HttpTransport\`'s \`send\` alone spends ${
    fmt(platformSend64.cpuMicros, 0)
  } µs, of which \`@effect/platform\`'s client by
itself is ${fmt(alone64.cpuMicros, 0)} µs (its own span, \`HttpClientRequest\` and \`HttpClientResponse\` objects, a
\`Readable\` body through \`request()\`, header objects); its refund ${
    fmt(platform64.cpuMicros, 0)
  } µs. That floor is the platform's,
which is why \`NodeTransport\` exists: alone it is ${fmt(alone1.cpuMicros / raw1.cpuMicros, 2)} / ${
    fmt(alone64.cpuMicros / raw64.cpuMicros, 2)
  }× raw undici's CPU and
${fmt(alone1.p50 / raw1.p50, 2)}× its sequential p50${
    alone1.cpuMicros / raw1.cpuMicros > 2.5 || alone1.p50 / raw1.p50 > 1.3
      ? ", over the targets before `HttpTransport` adds anything"
      : ""
  }.

Neither transport uses \`Effect.timeoutFail\`, which races the
exchange against an Effect sleep in two forked fibers: in process it adds ${
    fmt(mechanisms[2].cpuMicros - mechanisms[0].cpuMicros, 1)
  } µs a request to \`HttpTransport\`'s
\`send\`, where its one child fiber and one timer add ${
    fmt(mechanisms[1].cpuMicros - mechanisms[0].cpuMicros, 1)
  } µs (\`Effect.race\` with a sleep ${
    fmt(mechanisms[3].cpuMicros - mechanisms[0].cpuMicros, 1)
  }, \`Effect.timeoutFail\` of
\`Effect.disconnect\` ${
    fmt(mechanisms[4].cpuMicros - mechanisms[0].cpuMicros, 1)
  }); \`NodeTransport\`'s one timer adds ${
    micro(mechanisms[6].cpuMicros - mechanisms[5].cpuMicros)
  }, and its span, made only under
a tracer other than Effect's built-in one, ${
    micro(mechanisms[7].cpuMicros - mechanisms[6].cpuMicros)
  }. Over loopback the same differences
drown in the noise of real I/O on a shared machine, where a row moves by ±20% from run to run.
`
  const [nodeSequential, nodeConcurrent] = ratios(NODE)
  const [platformSequential, platformConcurrent] = ratios(PLATFORM)
  return {
    lines,
    markdown,
    /** The targets' figures, for the summary: each ratio beside the floor's own. */
    targets: {
      floor: {
        cpu1: raw1.cpuMicros,
        cpu64: raw64.cpuMicros,
        p50_1: raw1.p50,
        p50_64: raw64.p50,
        throughput: raw64.throughput
      },
      node: { sequential: nodeSequential, concurrent: nodeConcurrent },
      platform: { sequential: platformSequential, concurrent: platformConcurrent }
    }
  }
}

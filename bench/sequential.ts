/**
 * 2, continued. Where a sequential refund's latency goes: the real `refund` over
 * `NodeTransport`, its transport wrapped to stamp when the request leaves and the answer is
 * back, against raw undici and `NodeTransport`'s `send` alone, one request at a time, rounds
 * alternating between them. Medians of the rounds' medians. And the `send` alone after 30 µs of
 * unrelated JavaScript (reading objects scattered over a few megabytes): whether any work before
 * a request, not the program's in particular, makes the exchange slower.
 */
import { QFPayConfig, refund, Transport } from "@effect-qfpay/core"
import { NodeTransport } from "@effect-qfpay/http"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Agent } from "undici"
import { APP_CODE, CLIENT_KEY, rawRefund, refundTarget, sendRefund, startSandbox } from "./http.js"
import { median } from "./stats.js"

// 30 µs of work that has nothing to do with a request: reads over objects spread through memory.
const scattered = Array.from({ length: 50_000 }, (_, i) => ({ n: i, text: String(i), pair: [i, i + 1] }))
let sink = 0
const otherWork = () => {
  const until = performance.now() + 0.03
  for (let k = 0; performance.now() < until; k++) {
    for (let j = 0; j < 100; j++) {
      const o = scattered[(k * 7919 + j * 104_729) % scattered.length]!
      sink += o.n + o.text.length + o.pair[1]!
    }
  }
}

export const run = async (options: { readonly requests: number; readonly rounds: number }) => {
  const { child, url } = await startSandbox()
  const agent = new Agent({ connections: 128, pipelining: 1 })
  try {
    const { params, syssn } = await refundTarget(url, "Q")
    const node = NodeTransport.make({ baseUrl: url, dispatcher: agent })
    let sent = 0
    let answered = 0
    const stamped = Transport.make((req) =>
      Effect.suspend(() => {
        sent = performance.now()
        return Effect.tap(node.send(req), () => Effect.sync(() => void (answered = performance.now())))
      })
    )
    const runtime = ManagedRuntime.make(
      Layer.merge(
        Layer.succeed(Transport.Transport, stamped),
        QFPayConfig.layer({ appCode: APP_CODE, clientKey: CLIENT_KEY })
      ).pipe(Layer.orDie)
    )
    const bare = ManagedRuntime.make(Layer.empty)
    const parts = { before: [] as Array<number>, exchange: [] as Array<number>, after: [] as Array<number> }
    const afterOtherWork: Array<number> = []
    const sendAlone = () => bare.runPromise(Effect.map(sendRefund(node, params()), JSON.parse))
    const ops: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
      ["raw", async () => JSON.parse(await rawRefund(url, agent, params()))],
      ["send", sendAlone],
      ["send after other work", async () => {
        otherWork()
        const t = performance.now()
        await sendAlone()
        afterOtherWork.push(performance.now() - t)
      }],
      ["refund", async () => {
        const started = performance.now()
        await runtime.runPromise(refund({ syssn, txamt: 1 }))
        const ended = performance.now()
        parts.before.push(sent - started)
        parts.exchange.push(answered - sent)
        parts.after.push(ended - answered)
      }]
    ]
    const p50s = new Map<string, Array<number>>(ops.map(([name]) => [name, []]))
    // The first round warms up and is not counted.
    for (let round = 0; round <= options.rounds; round++) {
      for (const [name, op] of ops) {
        const latencies: Array<number> = []
        for (let i = 0; i < options.requests; i++) {
          const t = performance.now()
          await op()
          latencies.push(performance.now() - t)
        }
        if (round > 0) p50s.get(name)!.push(median(latencies))
      }
    }
    await runtime.dispose()
    await bare.dispose()
    const micros = (xs: ReadonlyArray<number>) => median(xs) * 1000
    return {
      raw: micros(p50s.get("raw")!),
      send: micros(p50s.get("send")!),
      refund: micros(p50s.get("refund")!),
      before: micros(parts.before),
      exchange: micros(parts.exchange),
      after: micros(parts.after),
      sendAfterOtherWork: micros(afterOtherWork),
      sink
    }
  } finally {
    await agent.close()
    child.kill()
  }
}

/**
 * Where a refund's client CPU goes, by a CPU profile (`node:inspector`, 200 µs sampling) of
 * 20 000 refunds at concurrency 64 (or the first argument) against the sandbox server: raw undici, `NodeTransport`'s
 * `send` alone, and the full `refund` over it. Each sample goes to the first of these found up
 * its stack: core's program, this package's transport, undici, Effect's runtime; else Node.
 *
 * `pnpm build && tsc -p bench/tsconfig.json && node bench/dist/profile.js [concurrency]`; with
 * `PROFILE_TOP=n`, also the n functions with the most self time in each.
 */
import { refund } from "@effect-qfpay/core"
import { NodeTransport } from "@effect-qfpay/http"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Session } from "node:inspector"
import { Agent } from "undici"
import { APP_CODE, CLIENT_KEY, rawRefund, refundTarget, sendRefund, startSandbox } from "./http.js"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const post = <A>(session: Session, method: string, params: object = {}) =>
  new Promise<A>((resolve, reject) =>
    session.post(method, params, (error, result) => (error === null ? resolve(result as A) : reject(error)))
  )

const kind = (url: string): string | undefined =>
  url.includes("/packages/core/")
    ? "core's program"
    : url.includes("/packages/http/")
    ? "the transport's code"
    : url.includes("/undici/")
    ? "undici"
    : url.includes("/effect/")
    ? "Effect's runtime"
    : undefined

const split = (profile: Profile, requests: number) => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const category = (id: number): string => {
    const name = byId.get(id)!.callFrame.functionName
    if (name === "(idle)" || name === "(garbage collector)" || name === "(program)") return name
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const found = kind(byId.get(at)!.callFrame.url)
      if (found !== undefined) return found
    }
    return "Node"
  }
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const c = category(id)
    totals.set(c, (totals.get(c) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  totals.delete("(idle)")
  const self = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id)!.callFrame
    const key = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}`
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  self.delete("(idle) ")
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 0))
  for (const [name, micros] of top) console.log(`    ${(micros / requests).toFixed(1).padStart(6)} µs  ${name}`)
  return [...totals].sort((a, b) => b[1] - a[1]).map(([c, micros]) => [c, micros / requests] as const)
}

const main = async () => {
  const { child, url } = await startSandbox()
  try {
    const { params, syssn } = await refundTarget(url, "P")
    const agent = new Agent({ connections: 128, pipelining: 1 })
    const runtime = ManagedRuntime.make(
      NodeTransport.layer({ environment: url, appCode: APP_CODE, clientKey: CLIENT_KEY, rateLimit: false }).pipe(
        Layer.orDie
      )
    )
    const transport = NodeTransport.make({ baseUrl: url, dispatcher: agent })
    const modes: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
      ["raw undici", async () => JSON.parse(await rawRefund(url, agent, params()))],
      ["NodeTransport send alone", () => runtime.runPromise(Effect.map(sendRefund(transport, params()), JSON.parse))],
      ["refund over NodeTransport", () => runtime.runPromise(refund({ syssn, txamt: 1 }))]
    ]
    const session = new Session()
    session.connect()
    await post(session, "Profiler.enable")
    await post(session, "Profiler.setSamplingInterval", { interval: 200 })
    const total = 20_000
    const concurrency = Number(process.argv[2] ?? 64)
    for (const [name, op] of modes) {
      const drive = async (n: number) => {
        let next = 0
        await Promise.all(Array.from({ length: concurrency }, async () => {
          while (next++ < n) await op()
        }))
      }
      await drive(2000)
      await post(session, "Profiler.start")
      await drive(total)
      const { profile } = await post<{ profile: Profile }>(session, "Profiler.stop")
      console.log(`${name}:`)
      const parts = split(profile, total)
      for (const [category, micros] of parts) {
        console.log(`  ${category.padEnd(22)} ${micros.toFixed(1).padStart(6)} µs a request`)
      }
    }
    session.disconnect()
    await runtime.dispose()
    await agent.close()
  } finally {
    child.kill()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

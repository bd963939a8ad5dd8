/**
 * 1. Signing: `Signature.sign` (pure TypeScript MD5, runs anywhere) against a minimal
 * `node:crypto` implementation of the same algorithm.
 */
import { Signature } from "@effect-qfpay/core"
import { createHash } from "node:crypto"
import { Bench } from "tinybench"
import { median } from "./stats.js"

// A typical refund request, as sent.
const params = {
  syssn: "20191227000200020061752831",
  out_trade_no: "RGNOEIVU9JZLNP9GGYXWXCW7OEMI720F",
  txamt: "1000",
  txdtm: "2019-12-27 10:39:39",
  mchid: "ZaMVg12345"
}
const key = "0E32A59A8B454940A2FF390123456789"

// The floor: the seeds' algorithm, written directly over node:crypto.
const floor = (p: Record<string, string>, k: string): string => {
  let s = ""
  for (const name of Object.keys(p).sort()) {
    const v = p[name]
    if (v === "") continue
    s += (s === "" ? "" : "&") + name + "=" + v
  }
  return createHash("md5").update(s + k, "utf8").digest("hex").toUpperCase()
}

export const run = async () => {
  if (floor(params, key) !== Signature.sign(params, key)) throw new Error("the two signers disagree")
  const bench = new Bench({ time: 2000, warmupTime: 500 })
  bench.add("Signature.sign", () => {
    Signature.sign(params, key)
  })
  bench.add("node:crypto floor", () => {
    floor(params, key)
  })
  await bench.run()
  const [library, raw] = bench.tasks.map((t) => median(t.result!.samples) * 1000)
  return { libraryMicros: library, floorMicros: raw, ratio: library / raw }
}

import { Endpoint, Signature } from "@effect-qfpay/core"
import type { Simulator } from "@effect-qfpay/testing"
import { Effect } from "effect"

/** Signs wire parameters with the simulator's credential and serves them; the JSON answer. */
export const call = (
  sim: Simulator.Service,
  operation: Endpoint.Operation,
  params: Record<string, string>,
  options: {
    readonly key?: string
    readonly appCode?: string
    readonly sign?: (s: string) => string
    readonly signType?: "SHA256"
  } = {}
) =>
  Effect.gen(function*() {
    const endpoint = Endpoint.byOperation(operation)
    const signature = Signature.sign(params, options.key ?? sim.credential.clientKey, options.signType ?? "MD5")
    const served = yield* sim.serve({
      method: endpoint.method,
      path: endpoint.path,
      params,
      headers: {
        "X-QF-APPCODE": options.appCode ?? sim.credential.appCode,
        "X-QF-SIGN": options.sign?.(signature) ?? signature,
        ...(options.signType === undefined ? {} : { "X-QF-SIGNTYPE": options.signType })
      }
    })
    if (served._tag === "Lost") return { lost: true as const, applied: served.applied }
    return {
      lost: false as const,
      status: served.answer.status,
      headers: served.answer.headers,
      body: served.answer.body,
      json: safeJson(served.answer.body)
    }
  })

const safeJson = (body: string): any => {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

export const respcd = (r: { readonly lost: boolean; readonly json?: any }) => (r.lost ? "lost" : r.json?.respcd)

/** An admin route of a sandbox server at `url`: a POST with a JSON body, or a GET; the JSON answer. */
export const admin = (url: string, path: string, body?: unknown, method = body === undefined ? "GET" : "POST") =>
  Effect.promise(() =>
    fetch(`${url}/_sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    }).then(async (r) => ({ status: r.status, json: await r.json() as any }))
  )

import { PollPolicy, type QFPayConfig, RetryPolicy } from "@effect-qfpay/core"
import { HttpTransport } from "@effect-qfpay/http"
import type { Simulator } from "@effect-qfpay/testing"
import { SandboxServer } from "@effect-qfpay/testing"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer } from "effect"

export const clients = {
  undici: NodeHttpClient.layerUndici,
  "node:http": NodeHttpClient.layer,
  fetch: FetchHttpClient.layer
} as const

export const fastPolicies = {
  poll: PollPolicy.make({
    firstDelay: "20 millis",
    interval: "20 millis",
    maxInterval: "50 millis",
    deadline: "5 seconds"
  }),
  retry: RetryPolicy.make({ base: "20 millis", maxDelay: "100 millis", retries: 5, jitter: false })
}

/**
 * A sandbox server on loopback (port 0) and the real HTTP layer pointed at it.
 */
export const overHttp = (
  client: keyof typeof clients = "undici",
  options: Partial<HttpTransport.Options & QFPayConfig.Options> & { readonly simulator?: Simulator.Options } = {}
) =>
  Layer.unwrapEffect(
    Effect.map(SandboxServer.SandboxServer, (sandbox) =>
      HttpTransport.layer({
        environment: sandbox.url,
        appCode: sandbox.simulator.credential.appCode,
        clientKey: sandbox.simulator.credential.clientKey,
        ...fastPolicies,
        ...options
      }).pipe(Layer.provide(clients[client]), Layer.orDie))
  ).pipe(Layer.provideMerge(SandboxServer.layer({ simulator: options.simulator })), Layer.orDie)

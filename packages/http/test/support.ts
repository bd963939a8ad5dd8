import { PollPolicy, type QFPayConfig, RetryPolicy, type Transport } from "@effect-qfpay/core"
import { HttpTransport, NodeTransport } from "@effect-qfpay/http"
import type { Simulator } from "@effect-qfpay/testing"
import { SandboxServer } from "@effect-qfpay/testing"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import type { Config, ConfigError } from "effect"
import { Effect, Layer, Queue } from "effect"
import * as Http from "node:http"

export const clients = {
  undici: NodeHttpClient.layerUndici,
  "node:http": NodeHttpClient.layer,
  fetch: FetchHttpClient.layer
} as const

type AllOptions = NodeTransport.Options & QFPayConfig.Options

interface TransportUnderTest {
  readonly layer: (
    options: AllOptions
  ) => Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError>
  readonly layerTransport: (options: NodeTransport.Options) => Layer.Layer<Transport.Transport, ConfigError.ConfigError>
  readonly layerConfig: (
    config?: Config.Config<HttpTransport.Options & QFPayConfig.Options>
  ) => Layer.Layer<Transport.Transport | QFPayConfig.QFPayConfig, ConfigError.ConfigError>
}

const overClient = (client: Layer.Layer<HttpClient.HttpClient>): TransportUnderTest => ({
  layer: (options) => HttpTransport.layer(options).pipe(Layer.provide(client)),
  layerTransport: (options) => HttpTransport.layerTransport(options).pipe(Layer.provide(client)),
  layerConfig: (config) => HttpTransport.layerConfig(config).pipe(Layer.provide(client))
})

/**
 * Every transport the suite runs against: the lean one over undici, and the platform one over
 * each `HttpClient`.
 */
export const transports = {
  NodeTransport: {
    layer: NodeTransport.layer,
    layerTransport: NodeTransport.layerTransport,
    layerConfig: (config?) => NodeTransport.layerConfig(config)
  },
  "HttpTransport/undici": overClient(clients.undici),
  "HttpTransport/node:http": overClient(clients["node:http"]),
  "HttpTransport/fetch": overClient(clients.fetch)
} satisfies Record<string, TransportUnderTest>

export type TransportName = keyof typeof transports

/** All of them: for what depends on the client (wire format, failures, aborting). */
export const allTransports = Object.keys(transports) as ReadonlyArray<TransportName>

/** The two transports a user picks between: for flows, where the client makes no difference. */
export const bothTransports: ReadonlyArray<TransportName> = ["NodeTransport", "HttpTransport/undici"]

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
  transport: TransportName = "NodeTransport",
  options: Partial<AllOptions> & { readonly simulator?: Simulator.Options } = {}
) =>
  Layer.unwrapEffect(
    Effect.map(SandboxServer.SandboxServer, (sandbox) =>
      transports[transport].layer({
        environment: sandbox.url,
        appCode: sandbox.simulator.credential.appCode,
        clientKey: sandbox.simulator.credential.clientKey,
        ...fastPolicies,
        ...options
      }).pipe(Layer.orDie))
  ).pipe(Layer.provideMerge(SandboxServer.layer({ simulator: options.simulator })), Layer.orDie)

/**
 * A server on loopback that answers with `answer` (by default never), and reports what it sees:
 * `request <method> <path>` when one arrives, `closed` when a client's connection closes.
 */
export const loopbackServer = (answer?: (response: Http.ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.flatMap(Queue.unbounded<string>(), (events) =>
      Effect.async<{ readonly url: string; readonly events: Queue.Queue<string>; readonly server: Http.Server }>(
        (resume) => {
          const server = Http.createServer((request, response) => {
            Queue.unsafeOffer(events, `request ${request.method} ${request.url}`)
            request.resume()
            if (answer !== undefined) {
              request.on("end", () =>
                answer(response))
            }
          })
          server.on("connection", (socket) => socket.on("close", () => Queue.unsafeOffer(events, "closed")))
          server.listen(0, "127.0.0.1", () => {
            const address = server.address() as { readonly port: number }
            resume(Effect.succeed({ url: `http://127.0.0.1:${address.port}`, events, server }))
          })
        }
      )),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() =>
          resume(Effect.void)
        )
      })
  )

/** A server that reads requests and never answers. */
export const silentServer = loopbackServer()

/**
 * Clients for hostile-input tests, below `fetch`: raw bytes on a TCP socket (any path, any
 * header, any body), and a `node:http` upload that streams a large body in chunks while it
 * watches when the answer arrives. Shared by the http and testing packages' tests.
 */
import * as Http from "node:http"
import * as Net from "node:net"

export interface RawAnswer {
  /** The status of the answer, undefined when the connection closed without one. */
  readonly status: number | undefined
  readonly head: string
  readonly body: string
}

/**
 * Writes `bytes` as they are to `127.0.0.1:port` and reads until the server closes. The caller
 * frames the request (Content-Length or chunked) and asks `Connection: close`, so that a
 * well-behaved server answers and closes. A server that never answers fails the promise after
 * `guardMillis` (a hang guard, not an assertion on time).
 */
export const raw = (port: number, bytes: Uint8Array | string, guardMillis = 10_000): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    const guard = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${guardMillis} ms to ${JSON.stringify(String(bytes).slice(0, 200))}`))
    }, guardMillis)
    socket.on("data", (chunk) => chunks.push(chunk))
    // A reset after the answer (the server closing while we still write) is not a failure.
    socket.on("error", () => {})
    socket.on("close", () => {
      clearTimeout(guard)
      const text = Buffer.concat(chunks).toString("latin1")
      const end = text.indexOf("\r\n\r\n")
      const head = end < 0 ? text : text.slice(0, end)
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head)
      resolve({ status: match === null ? undefined : Number(match[1]), head, body: end < 0 ? "" : text.slice(end + 4) })
    })
    socket.write(bytes)
  })

/**
 * A whole HTTP/1.1 request as bytes, with an exact Content-Length and `Connection: close`.
 */
export const request = (
  method: string,
  path: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: Uint8Array | string = ""
): Buffer => {
  const payload = typeof body === "string" ? Buffer.from(body) : Buffer.from(body)
  const lines = [
    `${method} ${path} HTTP/1.1`,
    "host: 127.0.0.1",
    "connection: close",
    ...headers.map(([name, value]) => `${name}: ${value}`),
    `content-length: ${payload.length}`
  ]
  return Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"), payload])
}

export interface Upload {
  readonly status: number | undefined
  /** The answer's body, when one came. */
  readonly text: string
  /** How many bytes the client had handed to the socket when the answer (or the error) came. */
  readonly sentWhenAnswered: number
  readonly total: number
  /** The client's error (EPIPE, ECONNRESET) once the server stopped reading, if any. */
  readonly error: string | undefined
  /**
   * The most this isolate's heap and array buffers grew over the upload, in bytes, sampled at
   * every chunk: the body is 64 KiB chunks reused, so growth is the server's doing.
   */
  readonly peakGrowth: number
}

const used = () => {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/**
 * POSTs `total` bytes of `[` in 64 KiB chunks, declared with Content-Length or sent chunked,
 * as fast as the socket takes them.
 */
export const upload = (
  port: number,
  path: string,
  options: {
    readonly total: number
    readonly chunked: boolean
    readonly headers?: Readonly<Record<string, string>>
  }
): Promise<Upload> =>
  new Promise((resolve) => {
    const baseline = used()
    let peak = 0
    let sent = 0
    let answered: number | undefined
    let status: number | undefined
    let text = ""
    let done = false
    const finish = (error: string | undefined) => {
      if (done) return
      done = true
      resolve({
        status,
        text,
        sentWhenAnswered: answered ?? sent,
        total: options.total,
        error,
        peakGrowth: peak
      })
    }
    const req = Http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path,
      headers: {
        "content-type": "application/json",
        ...options.headers,
        ...(options.chunked ? {} : { "content-length": String(options.total) })
      }
    })
    req.on("response", (res) => {
      answered = sent
      status = res.statusCode
      res.setEncoding("utf8")
      res.on("data", (chunk) => (text += chunk))
      res.on("end", () => finish(undefined))
      res.on("error", (e) => finish(e.message))
    })
    req.on("error", (e: NodeJS.ErrnoException) => {
      // EPIPE / ECONNRESET: the server stopped reading. An answer that came first is kept.
      if (answered === undefined) finish(e.code ?? e.message)
      else setTimeout(() => finish(e.code ?? e.message), 50)
    })
    const chunk = Buffer.alloc(64 * 1024, 0x5b)
    const write = () => {
      while (sent < options.total && !done && answered === undefined) {
        peak = Math.max(peak, used() - baseline)
        sent += chunk.length
        if (!req.write(chunk)) {
          req.once("drain", write)
          return
        }
      }
      peak = Math.max(peak, used() - baseline)
      req.end()
    }
    write()
  })

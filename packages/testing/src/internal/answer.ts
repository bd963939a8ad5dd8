/**
 * A JSON answer as the simulator builds it: the object itself, for the in-memory transport to
 * hand to the client as is, and its text, written only when something reads `body` (the sandbox
 * server sending it, a fault cutting it short, a test).
 *
 * @internal
 */

/** @internal */
export class JsonAnswer {
  private text: string | undefined = undefined
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly json: Readonly<Record<string, unknown>>
  ) {}

  get body(): string {
    if (this.text === undefined) this.text = JSON.stringify(this.json)
    return this.text
  }
}

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json" })

/** A `200 application/json` answer. @internal */
export const jsonAnswer = (body: Readonly<Record<string, unknown>>, status = 200): JsonAnswer =>
  new JsonAnswer(status, JSON_HEADERS, body)

/**
 * The help `qfpay --help` and `qfpay <command> --help` print. Written here rather than left to
 * `@effect/cli`, so that a command lists only its own flags, says which are required, shows
 * amounts as cents and the usage as it is typed, and the top level lists the variables and the
 * exit codes.
 *
 * @since 0.2.0
 */
import * as Flags from "./Flags.js"

/**
 * What a command's help says.
 *
 * @since 0.2.0
 * @category models
 */
export interface CommandHelp {
  readonly name: string
  /** One sentence, for the list of commands. */
  readonly summary: string
  /** Paragraphs after the usage. */
  readonly description: ReadonlyArray<string>
  readonly required: ReadonlyArray<Flags.Help>
  /** At least one of these is required. */
  readonly oneOf: ReadonlyArray<Flags.Help>
  readonly options: ReadonlyArray<Flags.Help>
  readonly positional?: { readonly name: string; readonly description: string } | undefined
  readonly examples: ReadonlyArray<string>
  /** Paragraphs at the end. */
  readonly notes: ReadonlyArray<string>
}

/**
 * Whether to colour: only on a terminal, and not when `NO_COLOR` is set (to anything but the
 * empty string, as no-color.org says) or the terminal is `dumb`.
 *
 * @since 0.2.0
 * @category colour
 */
export const colour = (options: {
  readonly isTTY: boolean | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}): boolean =>
  options.isTTY === true && (options.env.NO_COLOR === undefined || options.env.NO_COLOR === "") &&
  options.env.TERM !== "dumb"

const WIDTH = 100

const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === "" ? word : `${line} ${word}`
    }
  }
  if (line !== "") lines.push(line)
  return lines
}

const paragraph = (text: string): Array<string> => wrap(text, WIDTH)

// Two columns: the term, and its description wrapped under itself.
const columns = (rows: ReadonlyArray<readonly [string, string]>, indent = 2): Array<string> => {
  const left = Math.min(Math.max(...rows.map(([term]) => term.length)) + 2, 30)
  return rows.flatMap(([term, description]) => {
    const body = wrap(description, WIDTH - indent - left)
    const pad = " ".repeat(indent)
    if (term.length + 2 > left) {
      return [`${pad}${term}`, ...body.map((line) => `${pad}${" ".repeat(left)}${line}`)]
    }
    return body.length === 0
      ? [`${pad}${term}`]
      : body.map((line, i) => `${pad}${i === 0 ? term.padEnd(left) : " ".repeat(left)}${line}`)
  })
}

const term = (flag: Flags.Help): string => `${flag.alias === undefined ? "" : `${flag.alias}, `}${Flags.show(flag)}`

const rows = (flags: ReadonlyArray<Flags.Help>) => columns(flags.map((f) => [term(f), f.description] as const))

const heading = (text: string, bold: boolean): string => (bold ? `\u001b[1m${text}\u001b[0m` : text)

/**
 * The usage line of a command: `qfpay refund --syssn <syssn> --amount <cents> [options]`.
 *
 * @since 0.2.0
 * @category rendering
 */
export const usage = (command: CommandHelp): string =>
  [
    "qfpay",
    command.name,
    ...command.required.map(Flags.show),
    ...(command.oneOf.length === 0 ? [] : [`(${command.oneOf.map(Flags.show).join(" | ")})`]),
    "[options]",
    ...(command.positional === undefined ? [] : [`<${command.positional.name}>`])
  ].join(" ")

const exitCodes: ReadonlyArray<readonly [string, string]> = [
  ["0", "settled: the operation is done, or the command did what it says"],
  ["1", "invalid: bad usage, configuration or input; nothing was sent"],
  ["2", "rejected: QFPay refused; its code and what it means are printed"],
  ["3", "pending: still in progress at the deadline; the `qfpay poll` command that resumes it is printed"],
  [
    "4",
    "unknown: the outcome is not known (the network failed after sending); the `qfpay poll --reconcile` command that settles it is printed"
  ]
]

/**
 * The exit codes in one line, for a command's help.
 *
 * @since 0.2.0
 * @category rendering
 */
export const exitCodesLine =
  "Exit codes: 0 settled, 1 invalid (nothing was sent), 2 rejected by QFPay, 3 still pending, 4 outcome unknown; qfpay --help says more."

/**
 * The help of one command.
 *
 * @since 0.2.0
 * @category rendering
 */
export const command = (help: CommandHelp, options: { readonly colour: boolean }): string => {
  const h = (text: string) => heading(text, options.colour)
  const out: Array<string> = [`${h("Usage:")} ${usage(help)}`, ""]
  for (const p of help.description) out.push(...paragraph(p), "")
  if (help.positional !== undefined) {
    out.push(h("Arguments:"), ...columns([[`<${help.positional.name}>`, help.positional.description]]), "")
  }
  if (help.required.length > 0) out.push(h("Required:"), ...rows(help.required), "")
  if (help.oneOf.length > 0) out.push(h("One of these is required:"), ...rows(help.oneOf), "")
  out.push(h("Options:"), ...rows([...help.options, Flags.logLevel, Flags.help]), "")
  if (help.examples.length > 0) out.push(h("Examples:"), ...help.examples.map((e) => `  ${e}`), "")
  for (const p of help.notes) out.push(...paragraph(p), "")
  out.push(...paragraph(exitCodesLine))
  return out.join("\n")
}

/**
 * The variables `qfpay` reads.
 *
 * @since 0.2.0
 * @category rendering
 */
export const variables: ReadonlyArray<readonly [string, string]> = [
  ["QFPAY_APP_CODE", "the app code QFPay issued (required to talk to QFPay)"],
  ["QFPAY_CLIENT_KEY", "the client key QFPay issued (required); never printed or logged"],
  ["QFPAY_ENV", "production, test, sandbox, or a base URL (required unless --env is given)"],
  ["QFPAY_MCHID", "the merchant id, for agents only"],
  ["QFPAY_SIGN_TYPE", "MD5 (default) or SHA256"],
  ["QFPAY_TIME_ZONE", "the zone of txdtm times (default Asia/Hong_Kong)"],
  ["QFPAY_TIMEOUT", "seconds to wait for each HTTP answer (default 15)"],
  ["QFPAY_LOG_LEVEL", "as --log-level; logs go to stderr"],
  ["NO_COLOR", "set it to print help without colour (there is none off a terminal)"]
]

/**
 * The top-level help.
 *
 * @since 0.2.0
 * @category rendering
 */
export const top = (
  commands: ReadonlyArray<CommandHelp>,
  options: { readonly colour: boolean; readonly version: string }
): string => {
  const h = (text: string) => heading(text, options.colour)
  return [
    `qfpay ${options.version}: undo QFPay payments safely (refund, reverse, close, cancel, undo, query, poll).`,
    "",
    `${h("Usage:")} qfpay <command> [options]`,
    "",
    h("Commands:"),
    ...columns(commands.map((c) => [c.name, c.summary] as const)),
    "",
    "Run `qfpay <command> --help` for a command's flags.",
    "",
    h("Options:"),
    ...rows([
      Flags.logLevel,
      Flags.help,
      { name: "version", description: "print qfpay's version" },
      { name: "completions", placeholder: "<shell>", description: "print a completion script for bash, fish or zsh" }
    ]),
    "",
    h("Environment variables:"),
    ...columns(variables),
    "",
    h("Exit codes:"),
    ...columns(exitCodes),
    "",
    ...paragraph(
      `With --json, stdout holds exactly one JSON object, whatever happens: "status" (settled, rejected, pending, invalid or unknown, as above; verified for verify-notification; running for sandbox), "message", and the operation's fields. Progress and logs go to stderr.`
    ),
    "",
    ...paragraph(
      "To try qfpay without QFPay: `qfpay demo` walks through every operation against an embedded sandbox; `qfpay sandbox` runs one you can create payments in (see the README), then pass --env http://127.0.0.1:8080 with its demo credentials."
    )
  ].join("\n")
}

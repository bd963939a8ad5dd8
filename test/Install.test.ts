/**
 * Installable outside the monorepo: every package is packed with `pnpm pack` (as it would be
 * published), installed with plain npm (no pnpm, no workspace) into a fresh project under the
 * system's temp directory together with the Effect 3 pins of the README's install line, and
 * used as a user would:
 *
 * - each tarball ships `dist` (without `.tsbuildinfo`), `src` for the source maps, README,
 *   LICENSE and a package.json with real version ranges in place of `workspace:^`;
 * - the install has Effect 3 only, with every peer dependency met;
 * - `install/program.ts` type-checks under `strict`, `exactOptionalPropertyTypes` and
 *   `skipLibCheck: false`, then runs against `qfpay sandbox` started from the installed
 *   `@effect-qfpay/cli`: it refunds a payment it created through the sandbox's admin route;
 * - the installed `qfpay` refunds the rest.
 *
 * The install leaves the optional database drivers out (`npm install --omit=optional`): the
 * SQLite one compiles better-sqlite3 from source where no prebuilt binary downloads (a minute
 * here), and everything but the durable commands works without them; this also checks that a
 * durable command then names the package to install. `QFPAY_INSTALL_TEST_FULL=1` installs
 * them too and runs a durable refund through the installed `qfpay` instead.
 *
 * Build first (`pnpm build`; `pnpm test` does): the tarballs hold each package's `dist`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const packages = ["core", "http", "testing", "durable", "cli"] as const
type Package = typeof packages[number]

// The README's install line: what a user adds besides the packages.
const pins = ["effect@^3.22", "@effect/platform@^0.97", "@effect/platform-node@^0.108", "@types/node@^20"]
const full = process.env.QFPAY_INSTALL_TEST_FULL === "1"
const credentials = {
  QFPAY_APP_CODE: "SANDBOX0APPCODE0000000000000001",
  QFPAY_CLIENT_KEY: "SANDBOX0CLIENTKEY000000000000001"
}

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

// pnpm, when it runs this test, puts its own settings in npm_config_* variables; npm must not
// see them (nor a workspace): it runs as in a user's shell.
const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(npm_|pnpm_|INIT_CWD$|VITEST|NODE_OPTIONS$)/i.test(key)) env[key] = value
  }
  return { ...env, ...extra }
}

const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Record<string, string>; readonly timeout?: number }
): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: cleanEnv(options.env), timeout: options.timeout ?? 120_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 99
        resolve({ code, stdout, stderr })
      }
    )
  })

const ok = (r: Run, what: string): Run => {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r
}

// One JSON object on stdout (the CLI's --json contract).
const json = (r: Run): any => {
  const lines = r.stdout.trim().split("\n")
  expect(lines, r.stderr).toHaveLength(1)
  return JSON.parse(lines[0])
}

const readPackageJson = (file: string): any => JSON.parse(Fs.readFileSync(file, "utf8"))

// Every `effect` in the install, nested copies included.
const effectVersions = (nodeModules: string): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const at = Path.join(dir, entry.name)
      if (entry.name.startsWith("@")) walk(at)
      else {
        if (entry.name === "effect" && Fs.existsSync(Path.join(at, "package.json"))) {
          found.push(readPackageJson(Path.join(at, "package.json")).version)
        }
        if (Fs.existsSync(Path.join(at, "node_modules"))) walk(Path.join(at, "node_modules"))
      }
    }
  }
  walk(nodeModules)
  return found
}

// The packages a build imports (bare specifiers, static and dynamic), by package name.
const importedPackages = (dist: string): Set<string> => {
  const names = new Set<string>()
  for (const file of Fs.readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".js")) continue
    const code = Fs.readFileSync(Path.join(dist, file), "utf8")
    for (const [, specifier] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^".][^"]*)"/g)) {
      if (specifier.startsWith("node:")) continue
      const parts = specifier.split("/")
      names.add(specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0])
    }
  }
  return names
}

describe("installed with npm from the packed tarballs, outside the workspace", () => {
  let work: string
  let project: string
  const tarballs = new Map<Package, string>()
  let sandbox: ChildProcess | undefined
  let sandboxUrl: string
  let sandboxExit: Promise<{ code: number | null; stdout: string }>
  const qfpay = (args: ReadonlyArray<string>) =>
    run(process.execPath, [Path.join(project, "node_modules/@effect-qfpay/cli/bin/qfpay.js"), ...args], {
      cwd: project,
      env: credentials,
      timeout: 60_000
    })

  beforeAll(async () => {
    work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-qfpay-install-"))
    project = Path.join(work, "app")
    Fs.mkdirSync(project)
    const packed = Path.join(work, "tarballs")
    await Promise.all(packages.map(async (name) => {
      const dir = Path.join(packed, name)
      ok(
        await run("pnpm", ["pack", "--pack-destination", dir], { cwd: Path.join(root, "packages", name) }),
        "pnpm pack"
      )
      const [file] = Fs.readdirSync(dir).filter((f) => f.endsWith(".tgz"))
      tarballs.set(name, Path.join(dir, file))
    }))
  }, 120_000)

  afterAll(async () => {
    if (sandbox !== undefined && sandbox.exitCode === null) sandbox.kill("SIGKILL")
    if (work !== undefined) Fs.rmSync(work, { recursive: true, force: true })
  })

  it("the project is outside the workspace: nothing above it resolves packages", () => {
    expect(Path.relative(root, project).startsWith("..")).toBe(true)
    for (let dir = Path.dirname(project); dir !== Path.dirname(dir); dir = Path.dirname(dir)) {
      expect(Fs.existsSync(Path.join(dir, "node_modules")), `${dir}/node_modules`).toBe(false)
      expect(Fs.existsSync(Path.join(dir, "package.json")), `${dir}/package.json`).toBe(false)
    }
  })

  it("each tarball ships dist without .tsbuildinfo, src, README, LICENSE, and real version ranges", async () => {
    const sizes: Array<string> = []
    for (const name of packages) {
      const tarball = tarballs.get(name)!
      const files = ok(await run("tar", ["-tzf", tarball], { cwd: work }), "tar").stdout.trim().split("\n")
      sizes.push(`@effect-qfpay/${name}: ${files.length} files, ${(Fs.statSync(tarball).size / 1024).toFixed(1)} KiB`)
      const inside = files.map((f) => f.replace(/^package\//, ""))
      expect(files.every((f) => f.startsWith("package/"))).toBe(true)
      for (const f of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "src/index.ts"]) {
        expect(inside, `${name} ships ${f}`).toContain(f)
      }
      const unexpected = inside.filter((f) =>
        !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(f) && !/^(dist|src|bin)\//.test(f)
      )
      expect(unexpected, `${name}: only dist, src, bin, README, LICENSE`).toEqual([])
      expect(inside.filter((f) => /tsbuildinfo|(^|\/)test\/|\.test\./.test(f)), name).toEqual([])
      // Every module is built, with its declarations and source maps (which point into src).
      for (const source of inside.filter((f) => /^src\/.*\.ts$/.test(f))) {
        const base = source.replace(/^src\//, "dist/").replace(/\.ts$/, "")
        for (const ext of [".js", ".js.map", ".d.ts", ".d.ts.map"]) expect(inside, name).toContain(base + ext)
      }

      const manifest = JSON.parse(
        ok(await run("tar", ["-xzOf", tarball, "package/package.json"], { cwd: work }), "tar").stdout
      )
      const source = readPackageJson(Path.join(root, "packages", name, "package.json"))
      expect(JSON.stringify(manifest)).not.toContain("workspace:")
      expect(manifest.version).toBe(source.version)
      for (const [dep, range] of Object.entries<string>(manifest.dependencies ?? {})) {
        if (dep.startsWith("@effect-qfpay/")) expect(range).toBe(`^${source.version}`)
      }
      const effect = manifest.peerDependencies?.effect ?? manifest.dependencies?.effect
      expect(effect, `${name} depends on effect`).toMatch(/^\^3\./)
      expect(manifest.exports["."].types).toBe("./dist/index.d.ts")
      if (name !== "cli") expect(manifest.exports["./internal/*"]).toBeNull()
      expect(manifest.license).toBe("MIT")
      // Every package the build imports is declared: the workspace's hoisting would hide a gap.
      const declared = new Set([
        manifest.name,
        ...Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies })
      ])
      const undeclared = [...importedPackages(Path.join(root, "packages", name, "dist"))].filter((n) =>
        !declared.has(n)
      )
      expect(undeclared, `${name} imports packages its package.json does not declare`).toEqual([])
    }
    console.log(`tarballs:\n  ${sizes.join("\n  ")}`)
  })

  it(
    `installs with plain npm: Effect 3 only, every peer met, ${full ? "the drivers built" : "no native build"}`,
    async () => {
      Fs.writeFileSync(
        Path.join(project, "package.json"),
        JSON.stringify({ name: "install-test", private: true, type: "module" }, null, 2)
      )
      const started = Date.now()
      const installed = await run(
        "npm",
        [
          "install",
          ...(full ? [] : ["--omit=optional"]),
          "--no-audit",
          "--no-fund",
          "--prefer-offline",
          "--loglevel=error",
          ...packages.map((name) => tarballs.get(name)!),
          ...pins
        ],
        { cwd: project, timeout: 600_000 }
      )
      ok(installed, "npm install")
      console.log(`npm install: ${((Date.now() - started) / 1000).toFixed(1)} s`)

      const nodeModules = Path.join(project, "node_modules")
      const versions = effectVersions(nodeModules)
      expect(versions.length).toBeGreaterThan(0)
      expect(versions.filter((v) => !v.startsWith("3.")), "Effect 4 crept in").toEqual([])
      expect(readPackageJson(Path.join(nodeModules, "@effect/platform/package.json")).version).toMatch(/^0\.97\./)
      expect(readPackageJson(Path.join(nodeModules, "@effect/platform-node/package.json")).version).toMatch(/^0\.108\./)
      for (const name of packages) {
        // Installed from the tarball, not linked to the workspace.
        const at = Path.join(nodeModules, "@effect-qfpay", name)
        expect(Fs.lstatSync(at).isSymbolicLink(), name).toBe(false)
        expect(Fs.existsSync(Path.join(at, "dist/.tsbuildinfo")), name).toBe(false)
      }
      expect(Fs.existsSync(Path.join(nodeModules, "better-sqlite3"))).toBe(full)
      // npm ls fails on a missing or invalid dependency or peer dependency.
      ok(await run("npm", ["ls", "--all"], { cwd: project }), "npm ls")
    },
    600_000
  )

  it("type-checks a program under strict, exactOptionalPropertyTypes and skipLibCheck: false", async () => {
    Fs.mkdirSync(Path.join(project, "src"))
    Fs.copyFileSync(Path.join(root, "test/install/program.ts"), Path.join(project, "src/main.ts"))
    Fs.writeFileSync(
      Path.join(project, "tsconfig.json"),
      JSON.stringify(
        {
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2022"],
            module: "NodeNext",
            moduleResolution: "NodeNext",
            types: ["node"],
            strict: true,
            exactOptionalPropertyTypes: true,
            skipLibCheck: false,
            rootDir: "src",
            outDir: "dist"
          },
          include: ["src"]
        },
        null,
        2
      )
    )
    // The workspace's TypeScript, on the project's own node_modules.
    const tsc = createRequire(Path.join(root, "package.json")).resolve("typescript/bin/tsc")
    ok(await run(process.execPath, [tsc, "-p", project], { cwd: project }), "tsc")
    expect(Fs.existsSync(Path.join(project, "dist/main.js"))).toBe(true)
  }, 120_000)

  it("runs it against qfpay sandbox, started from the installed cli", async () => {
    const child = spawn(
      process.execPath,
      [Path.join(project, "node_modules/.bin/qfpay"), "sandbox", "--port", "0", "--json"],
      { cwd: project, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] }
    )
    sandbox = child
    let stdout = ""
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += chunk))
    // "close": after the process exited and its output was read to the end.
    sandboxExit = new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout })))
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`qfpay sandbox did not start: ${stderr}`)), 30_000)
      child.stdout.on("data", (chunk) => {
        stdout += chunk
        if (stdout.includes("\n")) {
          clearTimeout(timer)
          resolve(stdout.split("\n")[0])
        }
      })
      child.on("exit", (code) => reject(new Error(`qfpay sandbox exited ${code}: ${stderr}`)))
    })
    const running = JSON.parse(first)
    expect(running).toMatchObject({ status: "running", app_code: credentials.QFPAY_APP_CODE })
    sandboxUrl = running.url

    const program = ok(
      await run(process.execPath, [Path.join(project, "dist/main.js"), sandboxUrl], { cwd: project }),
      "the program"
    )
    const out = json(program)
    expect(out.refund).toMatchObject({
      operation: "refund",
      orig_syssn: out.payment,
      txamt: 400,
      respcd: "0000",
      confirmed_by: "response"
    })
    expect(out.durable).toMatchObject({ operation: "refund", orig_syssn: out.payment, txamt: 100, respcd: "0000" })
    expect(out.property).toEqual({ runs: 25 })

    // The sandbox agrees: two refunds of the payment, 5.00 of 10.00 refunded.
    const transactions: Array<any> = await (await fetch(`${sandboxUrl}/_sandbox/transactions`)).json()
    const payment = transactions.find((t) => t.syssn === out.payment)
    expect(payment).toMatchObject({ kind: "payment", txamt: 1000, refunded: 500 })
    const refunds = transactions.filter((t) => t.kind === "refund" && t.origssn === out.payment)
    expect(refunds.map((r) => [r.syssn, r.txamt, r.respcd])).toEqual([
      [out.refund.syssn, 400, "0000"],
      [out.durable.syssn, 100, "0000"]
    ])
  }, 60_000)

  it(
    `the installed qfpay refunds the rest, and ${
      full ? "refunds durably" : "a durable command names its missing driver"
    }`,
    async () => {
      const version = readPackageJson(Path.join(root, "packages/cli/package.json")).version
      expect(ok(await qfpay(["--version"]), "qfpay --version").stdout.trim()).toBe(`qfpay ${version}`)

      const transactions: Array<any> = await (await fetch(`${sandboxUrl}/_sandbox/transactions`)).json()
      const payment = transactions.find((t) => t.kind === "payment" && t.refunded === 500)
      const rest = await qfpay(["refund", "--env", sandboxUrl, "--syssn", payment.syssn, "--amount", "500", "--json"])
      expect(rest.code, rest.stderr).toBe(0)
      expect(json(rest)).toMatchObject({ status: "settled", orig_syssn: payment.syssn, txamt: 500, respcd: "0000" })

      const paid: { syssn: string } = await (await fetch(`${sandboxUrl}/_sandbox/payments`, {
        method: "POST",
        body: JSON.stringify({ txamt: 800, state: "paid" })
      })).json()
      const durable = await qfpay([
        "refund",
        "--durable",
        "--intent",
        "install-test-refund",
        "--db",
        Path.join(work, "qfpay.db"),
        "--env",
        sandboxUrl,
        "--syssn",
        paid.syssn,
        "--amount",
        "800",
        "--json"
      ])
      if (full) {
        expect(durable.code, durable.stderr).toBe(0)
        expect(json(durable)).toMatchObject({ status: "settled", intent: "install-test-refund", txamt: 800 })
      } else {
        expect(durable.code).toBe(1)
        expect(json(durable).status).toBe("invalid")
        expect(json(durable).message).toContain("npm install @effect/sql-sqlite-node@^0.53")
      }

      // Stopped by a signal: exit 130, and its answer says so.
      sandbox!.kill("SIGTERM")
      const stopped = await sandboxExit
      expect(stopped.code).toBe(130)
      expect(stopped.stdout).toContain(`"status":"stopped"`)
    },
    120_000
  )
})

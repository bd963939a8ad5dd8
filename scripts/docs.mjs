// pnpm docs: the API reference of the library packages from their JSDoc, with @effect/docgen,
// which also type-checks and runs every @example (a broken example fails the build). Each
// package's reference is written into docs/api/<package>. With --check (as `pnpm test` runs
// it), it also fails when the committed docs/api differs from what the sources give: a changed
// JSDoc without regenerated docs.
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const docgen = Path.join(root, "node_modules", ".bin", "docgen")
const packages = ["core", "http", "testing", "durable"]

const check = process.argv.includes("--check")
const api = Path.join(root, "docs", "api")

// Every file under `dir`, by its path relative to `dir`.
const read = (dir, base = dir, files = new Map()) => {
  if (!Fs.existsSync(dir)) return files
  for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
    const full = Path.join(dir, entry.name)
    if (entry.isDirectory()) read(full, base, files)
    else files.set(Path.relative(base, full), Fs.readFileSync(full, "utf8"))
  }
  return files
}
const committed = check ? read(api) : undefined

Fs.rmSync(api, { recursive: true, force: true })
for (const name of packages) {
  const dir = Path.join(root, "packages", name)
  // docgen calls `tsc` and `tsx` by name: the workspace's own, also when run without pnpm.
  const env = { ...process.env, PATH: `${Path.join(root, "node_modules", ".bin")}${Path.delimiter}${process.env.PATH}` }
  const result = spawnSync(docgen, [], { cwd: dir, stdio: "inherit", env })
  const generated = Path.join(dir, "docs")
  if (result.status !== 0) {
    Fs.rmSync(generated, { recursive: true, force: true })
    console.error(`pnpm docs: @effect-qfpay/${name} failed (see above)`)
    process.exit(result.status ?? 1)
  }
  const target = Path.join(root, "docs", "api", name)
  Fs.mkdirSync(target, { recursive: true })
  Fs.cpSync(Path.join(generated, "modules"), target, { recursive: true })
  Fs.rmSync(generated, { recursive: true, force: true })
}
console.log(`pnpm docs: docs/api/{${packages.join(",")}}`)

if (committed !== undefined) {
  const generated = read(api)
  const stale = [...new Set([...committed.keys(), ...generated.keys()])]
    .filter((file) => committed.get(file) !== generated.get(file))
    .sort()
  if (stale.length > 0) {
    console.error(
      `pnpm docs --check: docs/api differs from the sources in ${stale.length} file(s): ${
        stale.slice(0, 10).join(", ")
      }` +
        `${stale.length > 10 ? ", …" : ""}. Run \`pnpm run docs\` and commit docs/api.`
    )
    process.exit(1)
  }
}

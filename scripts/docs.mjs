// pnpm docs: the API reference of the library packages from their JSDoc, with @effect/docgen,
// which also type-checks and runs every @example (a broken example fails the build). Each
// package's reference is written into docs/api/<package>.
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const docgen = Path.join(root, "node_modules", ".bin", "docgen")
const packages = ["core", "http", "testing", "durable"]

Fs.rmSync(Path.join(root, "docs", "api"), { recursive: true, force: true })
for (const name of packages) {
  const dir = Path.join(root, "packages", name)
  const result = spawnSync(docgen, [], { cwd: dir, stdio: "inherit" })
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

#!/usr/bin/env node
// The `qfpay` launcher. It exists before the build, so that installing links it; the command
// itself is the compiled `dist/bin.js`.
import "../dist/bin.js"

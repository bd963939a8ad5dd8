#!/usr/bin/env node
// The `qfpay-sandbox` launcher. It exists before the build, so that installing links it; the
// server itself is the compiled `dist/bin.js`.
import "../dist/bin.js"

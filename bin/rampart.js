#!/usr/bin/env node
// The installed entry point: the compiled CLI (`npm run build` produces dist/).
import "../dist/cli/entry.js";

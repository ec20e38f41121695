#!/usr/bin/env node
// The installed entry point: the bundled CLI (`npm run build` produces dist/bundle/; see scripts/bundle.mjs).
import "../dist/bundle/rampart.js";

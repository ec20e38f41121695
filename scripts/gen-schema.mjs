#!/usr/bin/env node
// Generate schema/policy.schema.json from the zod schema (src/policy/schema.ts, compiled to dist/),
// so editors (YAML language server: `# yaml-language-server: $schema=…`) validate policies as you type.
import { mkdirSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { policySchema } from "../dist/policy/schema.js";

const schema = z.toJSONSchema(policySchema, { io: "input", unrepresentable: "any" });
schema.$id = "https://rampart.dev/schema/policy.schema.json";
schema.title = "rampart policy";
mkdirSync(new URL("../schema/", import.meta.url), { recursive: true });
writeFileSync(new URL("../schema/policy.schema.json", import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);

#!/usr/bin/env node
// The `vpcpeer` command. Runs the compiled JavaScript in dist/ when it is current for the sources
// (built by `npm install` and `npm start`, see scripts/build.mjs); otherwise, or with
// VPCPEER_FROM_SOURCE=1, runs the TypeScript sources through tsx's loader, so an edit is never
// shadowed by an old build and `npm install` is still all a user needs.
import { compiledModule } from "../scripts/dist.mjs";

const compiled = compiledModule("src/cli/main.js");
if (compiled) {
  await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}

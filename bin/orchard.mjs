#!/usr/bin/env node
// The `orchard` command: runs the TypeScript CLI directly, so it works from a fresh
// install without a build step.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import(new URL('../src-main/cli/main.ts', import.meta.url).href)
process.exitCode = await runCli(process.argv)

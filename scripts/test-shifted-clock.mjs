#!/usr/bin/env node
// Runs the date-sensitive tests again on a machine whose clock and time zone are not today's:
// months ahead, at 00:30 in Beijing on the 1st of a month (still the last day of the month
// before in UTC and on the machine), in Los Angeles' zone. A test that mixes a literal date
// with the real clock, or reads the machine's zone where the studio's day is meant, fails here.
//
//   node scripts/test-shifted-clock.mjs                      the default set below
//   node scripts/test-shifted-clock.mjs tests/unit/cli/x.test.ts
//   SHIFT_ZONE=Asia/Tokyo SHIFT_MONTHS=7 node scripts/test-shifted-clock.mjs
//
// The clock is moved with libfaketime (Debian/Ubuntu: apt-get install faketime) by an
// offset, so every process the tests start — the `orchard` command, worker threads — sees
// the same shifted time, running on at the real pace.
import { spawnSync } from 'node:child_process'

const DEFAULT_FILES = ['tests/unit/cli', 'src-shared', 'src-renderer', 'src-main/core/exports']
const files = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_FILES
const zone = process.env.SHIFT_ZONE || 'America/Los_Angeles'
const months = Number(process.env.SHIFT_MONTHS || 4)

if (spawnSync('faketime', ['--version'], { stdio: 'ignore' }).error) {
  console.error('需要 faketime 来移动测试的时钟（apt-get install faketime）/ faketime is needed to move the tests’ clock (apt-get install faketime)')
  process.exit(1)
}

// 00:30 on the 1st, `months` months ahead, in Beijing: 16:30 UTC on the last day of the month before.
const now = new Date()
const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1, 0, 30) - 8 * 3_600_000
const offsetSeconds = Math.round((first - now.getTime()) / 1000)
console.log(`测试时钟 / test clock: ${new Date(first).toISOString()} (Asia/Shanghai ${new Date(first + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}), TZ=${zone}`)

const run = spawnSync('faketime', ['-f', `${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds}`, 'npx', 'vitest', 'run', ...files], {
  stdio: 'inherit',
  env: { ...process.env, TZ: zone },
})
process.exit(run.status ?? 1)

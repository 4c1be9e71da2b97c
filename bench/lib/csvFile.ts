import { closeSync, openSync, writeSync } from 'node:fs'
import { produceOutput } from '../../src-main/core/jobs/outputs'

/**
 * A benchmark's CSV file: `header`, then `lines` written as they are made (ten thousand at a
 * time, so a million rows cost no memory), under a temporary name until it is whole.
 */
export async function writeCsvFile(path: string, header: string, lines: Iterable<string>): Promise<void> {
  await produceOutput(path, async (temp) => {
    const fd = openSync(temp, 'w')
    try {
      let batch = [header]
      for (const line of lines) {
        batch.push(line)
        if (batch.length >= 10_000) {
          writeSync(fd, batch.join('\r\n') + '\r\n')
          batch = []
        }
      }
      if (batch.length) writeSync(fd, batch.join('\r\n') + '\r\n')
    } finally {
      closeSync(fd)
    }
  })
}

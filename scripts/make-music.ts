/**
 * Regenerates the background music in resources/music: short, quiet, seamless
 * loops synthesised from scratch with ffmpeg's aevalsrc (a soft pad, a bell-like
 * arpeggio and a round bass over a four-chord progression), so the app ships
 * music it owns outright. Every note's envelope starts and ends at zero, so the
 * loop point is silent-free and click-free.
 *
 *   node --import tsx scripts/make-music.ts
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resourcesDir } from '../src-main/core/materials/render/resources'
import { findFfmpeg } from '../src-main/core/materials/video/ffmpeg'

const NOTE: Record<string, number> = {}
const names = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B']
for (let octave = 1; octave <= 6; octave++) {
  names.forEach((n, i) => (NOTE[`${n}${octave}`] = 440 * Math.pow(2, (octave * 12 + i - 57) / 12)))
}

interface Track {
  file: string
  title: string
  bpm: number
  /** One chord per bar: [bass, pad tones…]. */
  chords: string[][]
  /** Which pad tone (index into the chord, one octave up) each eighth note of a bar plays. */
  arpeggio: number[]
}

/** A per-bar (or per-step) pick: if(eq(k,0),a,if(eq(k,1),b,…)). */
function pick(index: string, values: number[]): string {
  return values.reduceRight((rest, v, i) => (i === values.length - 1 ? v.toFixed(3) : `if(eq(${index},${i}),${v.toFixed(3)},${rest})`), '')
}

function expression(track: Track, pan: number): string {
  const beat = 60 / track.bpm
  const bar = beat * 4
  const step = beat / 2
  const bars = track.chords.length
  const b = `mod(floor(t/${bar.toFixed(5)}),${bars})`
  const tb = `mod(t,${bar.toFixed(5)})`
  const ts = `mod(t,${step.toFixed(5)})`
  const th = `mod(t,${(bar / 2).toFixed(5)})`
  const s = `mod(floor(t/${step.toFixed(5)}),8)`
  const freq = (i: number, mult = 1) => pick(b, track.chords.map((c) => NOTE[c[i]] * mult))
  // Pad: three chord tones, breathing in and out over each bar.
  const padEnv = `pow(sin(PI*${tb}/${bar.toFixed(5)}),1.5)`
  const pad = [1, 2, 3].map((i) => `sin(2*PI*${freq(i)}*t)`).join('+')
  // Arpeggio: eighth notes one octave up, a quick attack and a decay that reaches zero.
  const arpFreq = `if(eq(${s},0),${freq(track.arpeggio[0], 2)},${track.arpeggio
    .slice(1)
    .reduceRight((rest, idx, k) => (k === track.arpeggio.length - 2 ? freq(idx, 2) : `if(eq(${s},${k + 1}),${freq(idx, 2)},${rest})`), '')})`
  const arpEnv = `min(1,${ts}/0.006)*exp(-7*${ts})*(1-${ts}/${step.toFixed(5)})`
  const arp = `(sin(2*PI*${arpFreq}*t)+0.25*sin(4*PI*${arpFreq}*t))`
  // Bass: the root on beats one and three.
  const bassEnv = `min(1,${th}/0.01)*exp(-2.2*${th})*(1-${th}/${(bar / 2).toFixed(5)})`
  const bass = `sin(2*PI*${freq(0)}*t)`
  return `0.05*${padEnv}*(${pad})+${(0.16 * pan).toFixed(3)}*${arpEnv}*${arp}+0.2*${bassEnv}*${bass}`
}

const TRACKS: Track[] = [
  {
    file: 'gentle-morning.m4a',
    title: '晨光（温柔） / Gentle morning',
    bpm: 84,
    chords: [
      ['C2', 'C4', 'E4', 'G4'],
      ['A1', 'A3', 'C4', 'E4'],
      ['F1', 'F3', 'A3', 'C4'],
      ['G1', 'G3', 'B3', 'D4'],
    ],
    arpeggio: [1, 2, 3, 2, 1, 2, 3, 2],
  },
  {
    file: 'bright-market.m4a',
    title: '集市（轻快） / Bright market',
    bpm: 108,
    chords: [
      ['F2', 'F3', 'A3', 'C4'],
      ['G2', 'G3', 'B3', 'D4'],
      ['E2', 'E3', 'G3', 'B3'],
      ['A1', 'A3', 'C4', 'E4'],
    ],
    arpeggio: [1, 3, 2, 3, 1, 3, 2, 3],
  },
]

const dir = join(resourcesDir(), 'music')
mkdirSync(dir, { recursive: true })
const ffmpeg = findFfmpeg().path
const about: { file: string; title: string; seconds: number; bytes: number }[] = []
for (const track of TRACKS) {
  const seconds = (60 / track.bpm) * 4 * track.chords.length * 2
  const left = expression(track, 1)
  const right = expression(track, 0.8)
  const out = join(dir, track.file)
  const tmp = `${out}.tmp.m4a`
  execFileSync(ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `aevalsrc=exprs='${left}|${right}':s=44100:d=${seconds.toFixed(4)}`,
    // A touch of room (two soft echoes) and a gentle top cut so it sits under speech.
    // The short fades at both ends keep the loop point click-free where the echo is cut.
    '-af', `aecho=0.8:0.6:90|170:0.25|0.15,lowpass=f=6000,volume=1.6,afade=t=in:d=0.02,afade=t=out:st=${(seconds - 0.06).toFixed(3)}:d=0.06`,
    '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', tmp,
  ])
  renameSync(tmp, out)
  about.push({ file: track.file, title: track.title, seconds: Number(seconds.toFixed(2)), bytes: statSync(out).size })
  console.log(`${out}  ${seconds.toFixed(1)} s  ${(statSync(out).size / 1024).toFixed(0)} KB`)
}
writeFileSync(
  join(dir, 'index.json'),
  JSON.stringify({ about: 'Background loops synthesised by scripts/make-music.ts with ffmpeg aevalsrc; owned by the project, free to use in any video.', tracks: about }, null, 2) + '\n',
)

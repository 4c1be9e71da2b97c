/** Product slideshow videos for material packs, made with ffmpeg from pictures drawn by the renderer. */
export { findFfmpeg } from './ffmpeg'
export type { FfmpegInfo } from './ffmpeg'
export { planVideo, renderProductVideo } from './slideshow'
export type { ProductVideo, ProductVideoInput, VideoPlan } from './slideshow'
export { readMp4Layout } from './mp4'
export type { Mp4Layout } from './mp4'
export { musicTracks } from './music'
export type { MusicTrack } from './music'

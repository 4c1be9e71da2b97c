import type { ScreenDef } from '@/screens'

/** The materials screens, in sidebar order. */
export const materialsScreens: ScreenDef[] = []

import type { ScreenDef } from '@/screens'

/** The lifecycle screens, in sidebar order. */
export const lifecycleScreens: ScreenDef[] = []

import { ChatbubblesOutline, ColorPaletteOutline, ImagesOutline } from '@vicons/ionicons5'
import type { ScreenDef } from '@/screens'
import { libraryScreen } from './library/screen'

/** The materials screens, in sidebar order: the day's packs first. */
export const materialsScreens: ScreenDef[] = [
  { name: 'packs', titleKey: 'materials.nav.packs', icon: ImagesOutline, component: () => import('./PacksView.vue') },
  { name: 'templates', titleKey: 'materials.nav.templates', icon: ColorPaletteOutline, component: () => import('./TemplatesView.vue') },
  { name: 'copy', titleKey: 'materials.nav.copy', icon: ChatbubblesOutline, component: () => import('./CopyView.vue') },
  libraryScreen,
]

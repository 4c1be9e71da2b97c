import { PricetagsOutline } from '@vicons/ionicons5'
import type { ScreenDef } from '@/screens'

/** 比价与买家秀: the real prices and customer photos that comparisons and collages are made from. */
export const libraryScreen: ScreenDef = { name: 'library', titleKey: 'library.nav', icon: PricetagsOutline, component: () => import('../LibraryView.vue') }

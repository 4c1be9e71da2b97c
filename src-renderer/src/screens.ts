import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'

/** One screen of the sidebar: its route name (= path), title key, icon, and the view. */
export interface ScreenDef {
  name: string
  /** i18n key of the title, e.g. `common.nav.customers` or `materials.nav.packs`. */
  titleKey: string
  icon: Component
  component: () => Promise<RouteComponent>
}

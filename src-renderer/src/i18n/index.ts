import { createI18n } from 'vue-i18n'
import enCommon from './locales/en-US/common'
import enCustomers from './locales/en-US/customers'
import enDashboard from './locales/en-US/dashboard'
import enGroups from './locales/en-US/groups'
import enImport from './locales/en-US/import'
import enLedger from './locales/en-US/ledger'
import enLibrary from './locales/en-US/library'
import enLifecycle from './locales/en-US/lifecycle'
import enMaterials from './locales/en-US/materials'
import enMembers from './locales/en-US/members'
import enOrders from './locales/en-US/orders'
import enPacks from './locales/en-US/packs'
import enProducts from './locales/en-US/products'
import enRecovery from './locales/en-US/recovery'
import enSettings from './locales/en-US/settings'
import zhCommon from './locales/zh-CN/common'
import zhCustomers from './locales/zh-CN/customers'
import zhDashboard from './locales/zh-CN/dashboard'
import zhGroups from './locales/zh-CN/groups'
import zhImport from './locales/zh-CN/import'
import zhLedger from './locales/zh-CN/ledger'
import zhLibrary from './locales/zh-CN/library'
import zhLifecycle from './locales/zh-CN/lifecycle'
import zhMaterials from './locales/zh-CN/materials'
import zhMembers from './locales/zh-CN/members'
import zhOrders from './locales/zh-CN/orders'
import zhPacks from './locales/zh-CN/packs'
import zhProducts from './locales/zh-CN/products'
import zhRecovery from './locales/zh-CN/recovery'
import zhSettings from './locales/zh-CN/settings'

/**
 * zh-CN first, English second. Each screen owns one message file per locale,
 * under its own namespace (t('customers.title')); `common` holds shared words.
 */
const zhCN = {
  common: zhCommon,
  dashboard: zhDashboard,
  customers: zhCustomers,
  groups: zhGroups,
  products: zhProducts,
  members: zhMembers,
  orders: zhOrders,
  import: zhImport,
  materials: zhMaterials,
  packs: zhPacks,
  lifecycle: zhLifecycle,
  ledger: zhLedger,
  library: zhLibrary,
  settings: zhSettings,
  recovery: zhRecovery,
}
export type Messages = typeof zhCN

const enUS: Messages = {
  common: enCommon,
  dashboard: enDashboard,
  customers: enCustomers,
  groups: enGroups,
  products: enProducts,
  members: enMembers,
  orders: enOrders,
  import: enImport,
  materials: enMaterials,
  packs: enPacks,
  lifecycle: enLifecycle,
  ledger: enLedger,
  library: enLibrary,
  settings: enSettings,
  recovery: enRecovery,
}

export type Locale = 'zh-CN' | 'en-US'

export const i18n = createI18n<[Messages], Locale>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
})

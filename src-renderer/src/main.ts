import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import './styles/page.css'
// Emoji in copy (🌷 ☀️ 📢) are drawn on machines without an emoji font of their own, as members' phones draw them.
import './styles/emoji.css'

const app = createApp(App)
app.use(createPinia()).use(i18n).use(router)
// Wait for the first route (and its startup check) so the splash gives way to a finished screen, not a blank frame.
void router.isReady().finally(() => app.mount('#app'))

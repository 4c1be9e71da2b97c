/**
 * The types of what the preload exposes: `window.orchard` (the contract's bridge,
 * generated from methodNames) and `window.orchardHost` (the desktop shell's own
 * capabilities). The console declares those two globals itself, optional because
 * browser mode has neither (src-renderer/src/api/client.ts and host.ts); declaring
 * them here as well would clash, so this file only names the types.
 */
export type { OrchardBridge, OrchardHostBridge } from '../src-shared/transport'

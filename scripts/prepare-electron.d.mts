/** Types of the pure parts of prepare-electron.mjs, for its unit test. */
export declare const root: string
export declare function electronVersion(projectRoot?: string): string
export declare function nativeCachePaths(version: string, projectRoot?: string): { dir: string; binding: string; buildSrc: string }
export declare function localBin(pkg: string, projectRoot?: string): string | null
export declare function buildCommands(version: string, projectRoot?: string, arch?: string): { label: string; cmd: string; args: string[] }[]
export declare function assertInsideCache(paths: { dir: string; buildSrc: string }): void

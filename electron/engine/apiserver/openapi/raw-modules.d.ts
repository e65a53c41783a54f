/**
 * Vite's `?raw` imports (resolved by Vitest and electron-vite): the file's text as a string.
 * Declared here rather than through `vite/client` so the engine's Node tsconfig stays Node-only.
 */
declare module '*.json?raw' {
  const text: string;
  export default text;
}

declare module '*.proto?raw' {
  const text: string;
  export default text;
}

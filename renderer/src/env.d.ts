/// <reference types="vite/client" />
import type { PilothouseBridge } from '../../electron/contract';

declare global {
  interface Window {
    /** Present in the desktop app (preload); absent in a browser against `pilothouse server`. */
    pilothouse?: PilothouseBridge;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** Public surface of the engine for the rest of the app (backend, server, Electron main, CLI). */
export { createControlPlane, urlHost } from './control-plane';
export type { ControlPlane, ControlPlaneInfo, ControlPlaneState } from './control-plane';
export { DEFAULT_DATA_DIR, DEFAULTS, dataPaths, withDefaults } from './config';
export type { ControlPlaneConfig } from './config';
export { EngineError } from './errors';
export type { EngineErrorCode } from './errors';
export { createEngineClient } from './client';
export type { EngineClient, EngineHandle, HostChannel } from './client';
export { PILOTHOUSE_VERSION, versionInfo } from './version';

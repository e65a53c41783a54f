/**
 * The version this control plane reports at /version, shaped like Kubernetes' version.Info so
 * kubectl's skew check and client libraries read it. The Kubernetes minor is the API level the
 * API server follows; the build metadata names the Pilothouse release.
 */
/** The Pilothouse release, injected from package.json at build time (electron.vite.config.ts). */
declare const __PILOTHOUSE_VERSION__: string | undefined;

export const PILOTHOUSE_VERSION: string =
  typeof __PILOTHOUSE_VERSION__ === 'string' ? __PILOTHOUSE_VERSION__ : '0.0.0-dev';

export const KUBERNETES_MAJOR = '1';
export const KUBERNETES_MINOR = '33';

export interface KubernetesVersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export function versionInfo(): KubernetesVersionInfo {
  return {
    major: KUBERNETES_MAJOR,
    minor: KUBERNETES_MINOR,
    gitVersion: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0+pilothouse.${PILOTHOUSE_VERSION}`,
    gitCommit: '',
    gitTreeState: '',
    buildDate: '1970-01-01T00:00:00Z',
    // There is no Go here; the field names the runtime instead so bug reports carry it.
    goVersion: `node${process.versions.node}`,
    compiler: 'pilothouse',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

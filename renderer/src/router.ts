/**
 * Routes. Hash history, so the same build works from file:// in Electron and from the headless
 * server. In a browser, every route but /login needs a session.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { connect, hasSession, isDesktop } from './api/client';

export interface NavEntry {
  path: string;
  label: string;
}

/** The navigation, in order. Views that are not built yet show what they will hold. */
export const NAV: NavEntry[] = [
  { path: '/overview', label: 'Overview' },
  { path: '/nodes', label: 'Nodes' },
  { path: '/workloads', label: 'Workloads' },
  { path: '/pods', label: 'Pods' },
  { path: '/services', label: 'Services' },
  { path: '/config', label: 'Config' },
  { path: '/events', label: 'Events' },
  { path: '/etcd', label: 'etcd' },
  { path: '/terminals', label: 'Terminals' },
];

const PENDING: Record<string, string> = {
  '/nodes': 'Nodes with their status, capacity, usage and pods.',
  '/workloads': 'Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs.',
  '/pods': 'Every pod, live, with filters, logs and exec.',
  '/services': 'Services, their endpoints and ports.',
  '/config': 'ConfigMaps, Secrets and ServiceAccounts.',
  '/events': 'Cluster events as they happen.',
  '/etcd': 'The cluster store, key by key, with history and live watch.',
  '/terminals': 'Shells on nodes and in containers.',
};

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/overview' },
  {
    path: '/login',
    name: 'login',
    component: () => import('./views/login/LoginView.vue'),
    meta: { public: true },
  },
  { path: '/overview', component: () => import('./views/overview/OverviewView.vue') },
  ...NAV.filter((n) => PENDING[n.path]).map((n) => ({
    path: n.path,
    component: () => import('./views/pending/PendingView.vue'),
    props: { title: n.label, description: PENDING[n.path] },
  })),
  { path: '/:rest(.*)*', redirect: '/overview' },
];

export function createAppRouter() {
  const router = createRouter({ history: createWebHashHistory(), routes });
  let authenticated = isDesktop();
  router.beforeEach(async (to) => {
    if (to.meta.public || authenticated) return true;
    authenticated = await hasSession().catch(() => false);
    if (!authenticated) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
    connect();
    return true;
  });
  return router;
}

/** The UI in a real browser against a real `pilothouse server`. */
import { expect, test } from '@playwright/test';
import { startServer, type RunningServer } from './support/pilothouse-server';

let server: RunningServer;

test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('the printed login URL opens the app frame and the status turns connected', async ({ page }) => {
  await page.goto(server.loginUrl);
  // The token is exchanged for a session cookie and does not stay in the address bar.
  await expect(page).not.toHaveURL(/token=/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const item of [
    'Overview',
    'Nodes',
    'Workloads',
    'Pods',
    'Services',
    'Config',
    'Events',
    'etcd',
    'Terminals',
  ]) {
    await expect(nav.getByText(item, { exact: true })).toBeVisible();
  }
  const status = page.getByTestId('connection-status');
  await expect(status).toHaveText('connected');
  await expect(status).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('engine-state')).toHaveText('running');
  await expect(page.getByText(server.apiUrl)).toBeVisible();
});

test('without a session the login page asks for the token and refuses a wrong one', async ({ page }) => {
  await page.goto(server.uiUrl);
  await expect(page).toHaveURL(/#\/login/);
  const input = page.getByLabel('Login token');
  await input.fill('not-the-token');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText(/wrong token/)).toBeVisible();
  await input.fill(server.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('connection-status')).toHaveText('connected');
});

test('navigation, theme, and stopping and starting the cluster from the UI', async ({ page }) => {
  await page.goto(server.loginUrl);
  const status = page.getByTestId('connection-status');
  await expect(status).toHaveText('connected');

  await page.getByRole('navigation', { name: 'Main' }).getByText('Nodes', { exact: true }).click();
  await expect(page).toHaveURL(/#\/nodes$/);
  await expect(page.getByRole('heading', { name: 'Nodes' })).toBeVisible();

  const dark = await page.evaluate(() => document.documentElement.classList.contains('dark'));
  await page.getByRole('button', { name: dark ? 'Use light theme' : 'Use dark theme' }).click();
  await expect
    .poll(() => page.evaluate(() => document.documentElement.classList.contains('dark')))
    .toBe(!dark);
  await page.reload();
  await expect
    .poll(() => page.evaluate(() => document.documentElement.classList.contains('dark')))
    .toBe(!dark);

  await page.getByRole('navigation', { name: 'Main' }).getByText('Overview', { exact: true }).click();
  await page.getByRole('button', { name: 'Stop cluster' }).click();
  await expect(status).toHaveText('cluster stopped');
  await expect(page.getByTestId('engine-state')).toHaveText('stopped');
  await page.getByRole('button', { name: 'Start cluster' }).click();
  await expect(status).toHaveText('connected');
});

test('the status says disconnected when the server goes away', async ({ page }) => {
  const own = await startServer();
  try {
    await page.goto(own.loginUrl);
    const status = page.getByTestId('connection-status');
    await expect(status).toHaveText('connected');
    await own.stop();
    await expect(status).toHaveText('disconnected');
  } finally {
    await own.stop();
  }
});

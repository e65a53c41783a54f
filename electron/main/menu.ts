/** Application menu and tray: the same three actions — Open, Stop/Start cluster, Quit. */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';

export interface ShellActions {
  open(): void;
  clusterRunning(): boolean;
  toggleCluster(): void;
  quit(): void;
}

function actionItems(actions: ShellActions): MenuItemConstructorOptions[] {
  return [
    { label: 'Open', click: () => actions.open() },
    {
      label: actions.clusterRunning() ? 'Stop cluster' : 'Start cluster',
      click: () => actions.toggleCluster(),
    },
    { type: 'separator' },
    { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
  ];
}

export function installAppMenu(actions: ShellActions): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { label: 'Pilothouse', submenu: actionItems(actions) },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
}

export function createTray(iconPath: string, actions: ShellActions): Tray {
  const tray = new Tray(nativeImage.createFromPath(iconPath));
  tray.setToolTip('Pilothouse');
  tray.on('click', () => actions.open());
  return tray;
}

/** Rebuild menus when the cluster state changes, so the label says Stop or Start. */
export function refreshMenus(tray: Tray | null, actions: ShellActions): void {
  installAppMenu(actions);
  tray?.setContextMenu(Menu.buildFromTemplate(actionItems(actions)));
}

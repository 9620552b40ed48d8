/** taskbook's JupyterLab plugin: registers the pieces; the logic lives in the other files. */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { BadgeView } from './badges';
import { addCommands, addToolbar } from './commands';
import { KernelLink } from './kernel';
import { fetchCellStates } from './rest';
import { IContext } from './run';
import { RunsSidebar } from './sidebar';

async function loadStoreStates(link: KernelLink): Promise<void> {
  try {
    await link.panel.context.ready;
    const { tasks, cells } = await fetchCellStates(link.panel.context.path);
    if (!link.connected) {
      link.model.setRegistry(tasks); // the kernel's registry wins once it talks
    }
    link.model.update(cells);
  } catch {
    // No server extension or no store: badges wait for the kernel.
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'taskbook:plugin',
  description: 'Cell badges, run toolbar and runs sidebar for taskbook notebooks.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    const sidebar = new RunsSidebar();
    app.shell.add(sidebar, 'right', { rank: 850 });
    const ctx: IContext = {
      app,
      tracker,
      links: new WeakMap<NotebookPanel, KernelLink>(),
      sidebar
    };
    addCommands(ctx, palette);

    tracker.widgetAdded.connect((_, panel) => {
      const start = performance.now();
      const link = new KernelLink(panel);
      ctx.links.set(panel, link);
      new BadgeView(panel, link.model);
      addToolbar(app, panel);
      void loadStoreStates(link);
      link.restarted.connect(() => {
        void loadStoreStates(link);
        if (tracker.currentWidget === panel) {
          void sidebar.reload();
        }
      });
      link.runFinished.connect(() => {
        if (tracker.currentWidget === panel) {
          void sidebar.reload();
        }
      });
      // The DAG is the saved file's: a save may change it.
      panel.context.saveState.connect((_, state) => {
        if (state === 'completed' && tracker.currentWidget === panel) {
          void sidebar.reloadDag();
        }
      });
      performance.measure('taskbook:setup', { start });
    });
    tracker.currentChanged.connect((_, panel) => void sidebar.follow(panel));
    // Cells about to run get the editor's current cells first (if edited).
    void import('@jupyterlab/notebook').then(({ NotebookActions }) => {
      NotebookActions.executionScheduled.connect((_, { notebook }) => {
        const panel = tracker.find(p => p.content === notebook);
        if (panel) {
          ctx.links.get(panel)?.sendSources();
        }
      });
    });
    console.log('taskbook: JupyterLab extension activated');
  }
};

export default plugin;

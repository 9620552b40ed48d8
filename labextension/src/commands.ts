/**
 * Run flow, Run stale, Run failed, Run task and downstream (and the Export and
 * Schedule buttons, whose commands live in their own modules): toolbar buttons and
 * palette entries. Each loads taskbook in the kernel if needed, sends the
 * editor's cells (unsaved edits, cells never run) and runs `%flow run ...`, with
 * its output in the sidebar's run log.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { CommandToolbarButton } from '@jupyterlab/apputils';
import {
  historyIcon,
  LabIcon,
  moveDownIcon,
  redoIcon,
  refreshIcon,
  shareIcon
} from '@jupyterlab/ui-components';

import { addExportCommand } from './exportflow';
import { IContext, runLine } from './run';
import { addScheduleCommand } from './schedule';
import { CommandIDs, RUN_LINES } from './tokens';

const LABELS: { [id: string]: [string, string] } = {
  [CommandIDs.runFlow]: ['Run flow', 'Run the notebook as a flow (%flow run)'],
  [CommandIDs.runStale]: ['Run stale', 'Run the cells whose inputs or code changed'],
  [CommandIDs.runFailed]: ['Run failed', 'Run the cells that failed, and what needs them'],
  [CommandIDs.runDownstream]: [
    'Run task and downstream',
    'Run the active cell and the cells that depend on it'
  ]
};

export function addCommands(ctx: IContext, palette: ICommandPalette | null): void {
  const { app, tracker } = ctx;
  const current = () => tracker.currentWidget;
  for (const id of Object.keys(LABELS)) {
    const [label, caption] = LABELS[id];
    app.commands.addCommand(id, {
      label,
      caption,
      isEnabled: () => current() !== null,
      execute: async () => {
        const panel = current();
        if (!panel) {
          return;
        }
        let line = RUN_LINES[id];
        if (id === CommandIDs.runDownstream) {
          const cell = panel.content.activeCell;
          const info = cell ? ctx.links.get(panel)?.model.task(cell.model.id) : undefined;
          if (!info) {
            Notification.warning(
              'taskbook: the active cell is not a task of the flow yet; run the flow once or load taskbook.'
            );
            return;
          }
          line = `${line} ${JSON.stringify(info.name)}`;
        }
        await runLine(ctx, panel, line);
      }
    });
    palette?.addItem({ command: id, category: 'taskbook' });
  }
  const addToPalette = (id: string) =>
    palette?.addItem({ command: id, category: 'taskbook' });
  addExportCommand(ctx, addToPalette);
  addScheduleCommand(ctx, addToPalette);
  app.commands.addKeyBinding({
    command: CommandIDs.runFlow,
    keys: ['Accel Shift F5'],
    selector: '.jp-Notebook'
  });
  app.commands.addCommand(CommandIDs.showRuns, {
    label: 'Show taskbook runs',
    execute: () => app.shell.activateById(ctx.sidebar.id)
  });
  palette?.addItem({ command: CommandIDs.showRuns, category: 'taskbook' });
}

/**
 * The toolbar's buttons: Run flow with its name, the others as icons whose
 * tooltip is the command's caption. Six text buttons pushed JupyterLab's own
 * kernel name and status into the toolbar's overflow menu.
 */
const TOOLBAR: [string, LabIcon | null][] = [
  [CommandIDs.runFlow, null],
  [CommandIDs.runStale, refreshIcon],
  [CommandIDs.runFailed, redoIcon],
  [CommandIDs.runDownstream, moveDownIcon],
  [CommandIDs.exportFlow, shareIcon],
  [CommandIDs.schedule, historyIcon]
];

/** Add the run, export and schedule buttons to a notebook's toolbar. */
export function addToolbar(app: JupyterFrontEnd, panel: NotebookPanel): void {
  TOOLBAR.forEach(([id, icon], i) => {
    const button = new CommandToolbarButton({
      commands: app.commands,
      id,
      ...(icon ? { icon, label: '' } : { label: LABELS[id]?.[0] })
    });
    button.addClass('taskbook-toolbar-button');
    button.node.dataset.command = id;
    panel.toolbar.insertItem(10 + i, `taskbook-${id.split(':')[1]}`, button);
  });
}

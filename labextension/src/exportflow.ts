/**
 * Export as flow…: a dialog for the target and the output path, then
 * `%flow export PATH --target T` in the notebook's kernel (with the editor's
 * cells, as the run commands send them), and a notification of the result.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { field } from './form';
import { IContext, notifyFailure, quoteWord, runLine, unsendable } from './run';
import { CommandIDs } from './tokens';

export const EXPORT_TARGETS: { [target: string]: string } = {
  taskbook: 'taskbook: a module that runs with taskbook',
  prefect: 'prefect: a Prefect 3 flow module'
};

export interface IExportChoice {
  target: string;
  /** The output file, relative to the server root. */
  path: string;
}

/** The export dialog's form. */
class ExportForm extends Widget implements Dialog.IBodyWidget<IExportChoice> {
  private _target = document.createElement('select');
  private _path = document.createElement('input');

  constructor(defaultPath: string) {
    super();
    this.addClass('taskbook-dialog-form');
    this.addClass('taskbook-export-form');
    this._target.name = 'target';
    this._target.className = 'jp-mod-styled';
    this._path.className = 'jp-mod-styled';
    for (const [value, label] of Object.entries(EXPORT_TARGETS)) {
      this._target.append(new Option(label, value));
    }
    this._path.name = 'path';
    this._path.value = defaultPath;
    this._path.spellcheck = false;
    this.node.append(
      field('Target', this._target),
      field('Output file (relative to the server root)', this._path)
    );
  }

  getValue(): IExportChoice {
    return { target: this._target.value, path: this._path.value.trim() };
  }
}

/** The default output: the notebook's name with `.py`, next to it. */
export function defaultModulePath(notebookPath: string): string {
  return notebookPath.replace(/\.ipynb$/i, '') + '.py';
}

/** Why `path` is not a file in the server root, or null. */
export function outsideRoot(path: string): string | null {
  const inRoot = PathExt.normalize(path);
  return !inRoot || inRoot === '.' || inRoot === '..' || inRoot.startsWith('../')
    ? `${JSON.stringify(path)} is not a file in the server root`
    : null;
}

/**
 * `path` (relative to the server root) as the kernel sees it: relative to the
 * notebook's folder, which is the kernel's working directory.
 */
export function kernelPath(notebookPath: string, path: string): string {
  const folder = PathExt.dirname(notebookPath);
  return PathExt.relative('/' + folder, '/' + PathExt.normalize(path));
}

async function exportFlow(ctx: IContext, panel: NotebookPanel): Promise<void> {
  const notebook = panel.context.path;
  const result = await showDialog({
    title: 'Export as flow',
    body: new ExportForm(defaultModulePath(notebook)),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Export' })],
    focusNodeSelector: 'input'
  });
  if (!result.button.accept || !result.value) {
    return;
  }
  const { target, path } = result.value;
  const problem = outsideRoot(path) ?? unsendable(path);
  if (problem !== null) {
    Notification.error(`taskbook: cannot export: ${problem}.`, { autoClose: false });
    return;
  }
  const relative = quoteWord(kernelPath(notebook, path));
  const line = `%flow export ${relative} --target ${quoteWord(target)}`;
  const outcome = await runLine(ctx, panel, line);
  if (!outcome) {
    return;
  }
  if (!outcome.ok) {
    notifyFailure('Export failed', outcome);
    return;
  }
  const inRoot = PathExt.normalize(path);
  const written = writtenPath(outcome.text);
  // The kernel's working directory is normally the notebook's folder; if it
  // moved (os.chdir), say where the file went rather than where it was meant to.
  const asAsked = written === null || written.endsWith('/' + inRoot);
  Notification.success(
    `Exported ${notebook} (${target}) to ${asAsked ? inRoot : written}`,
    {
      autoClose: false,
      actions: asAsked
        ? [
            {
              label: 'Open',
              caption: `Open ${inRoot}`,
              callback: () =>
                void ctx.app.commands.execute('docmanager:open', { path: inRoot })
            }
          ]
        : []
    }
  );
}

/** The absolute path in `%flow export`'s "Exported ... to PATH (target T)." line. */
export function writtenPath(text: string): string | null {
  const match = /^Exported .*? to (.+) \(target \w+\)\.$/m.exec(text);
  return match ? match[1] : null;
}

/** Add "Export as flow…" (palette; the toolbar button comes from `addToolbar`). */
export function addExportCommand(
  ctx: IContext,
  addToPalette: (id: string) => void
): void {
  ctx.app.commands.addCommand(CommandIDs.exportFlow, {
    label: 'Export as flow…',
    caption: 'Write the notebook as a flow module (%flow export)',
    isEnabled: () => ctx.tracker.currentWidget !== null,
    execute: async () => {
      const panel = ctx.tracker.currentWidget;
      if (panel) {
        await exportFlow(ctx, panel);
      }
    }
  });
  addToPalette(CommandIDs.exportFlow);
}

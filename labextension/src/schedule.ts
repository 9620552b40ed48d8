/**
 * Schedule…: a dialog for a cron expression or an interval and the schedule's
 * name, then `%flow schedule add` in the notebook's kernel (the store the
 * kernel uses), and a notification of the next fire times or the error.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { field } from './form';
import { IContext, notifyFailure, quoteWord, runLine, unsendable } from './run';
import { CommandIDs } from './tokens';

export interface IScheduleChoice {
  kind: 'cron' | 'interval';
  when: string;
  name: string;
}

/** The schedule dialog's form. */
class ScheduleForm extends Widget implements Dialog.IBodyWidget<IScheduleChoice> {
  private _kind = document.createElement('select');
  private _when = document.createElement('input');
  private _name = document.createElement('input');

  constructor(defaultName: string, dirty: boolean) {
    super();
    this.addClass('taskbook-dialog-form');
    this.addClass('taskbook-schedule-form');
    this._kind.name = 'kind';
    for (const control of [this._kind, this._when, this._name]) {
      control.className = 'jp-mod-styled';
    }
    this._kind.append(
      new Option('Cron expression (UTC)', 'cron'),
      new Option('Every N seconds', 'interval')
    );
    this._when.name = 'when';
    this._when.placeholder = '0 6 * * *';
    this._when.spellcheck = false;
    const whenRow = field('Cron expression', this._when);
    this._kind.onchange = () => {
      const cron = this._kind.value === 'cron';
      this._when.placeholder = cron ? '0 6 * * *' : '3600';
      whenRow.firstChild!.textContent = cron ? 'Cron expression' : 'Seconds between runs';
    };
    this._name.name = 'name';
    this._name.value = defaultName;
    this._name.spellcheck = false;
    const note = document.createElement('p');
    note.className = 'taskbook-dialog-note';
    note.textContent =
      'Runs the saved notebook file when `taskbook serve` runs' +
      (dirty ? ' — this notebook has unsaved changes.' : '.');
    this.node.append(
      field('When', this._kind),
      whenRow,
      field('Name', this._name),
      note
    );
  }

  getValue(): IScheduleChoice {
    return {
      kind: this._kind.value === 'interval' ? 'interval' : 'cron',
      when: this._when.value.trim(),
      name: this._name.value.trim()
    };
  }
}

/** A schedule name from the notebook's file name (letters, digits, `.`, `_`, `-`). */
export function defaultScheduleName(notebookPath: string): string {
  const stem = PathExt.basename(notebookPath, PathExt.extname(notebookPath));
  return stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'notebook';
}

/** The `%flow schedule add` line of a choice (the kernel checks the values). */
export function scheduleLine(choice: IScheduleChoice): string {
  const words = ['%flow schedule add', `--${choice.kind}`, quoteWord(choice.when)];
  if (choice.name) {
    words.push('--name', quoteWord(choice.name));
  }
  return words.join(' ');
}

async function schedule(ctx: IContext, panel: NotebookPanel): Promise<void> {
  const result = await showDialog({
    title: 'Schedule notebook',
    body: new ScheduleForm(
      defaultScheduleName(panel.context.path),
      panel.context.model.dirty
    ),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Schedule' })],
    focusNodeSelector: 'input'
  });
  if (!result.button.accept || !result.value) {
    return;
  }
  const choice = result.value;
  const problem = !choice.when
    ? `give a ${choice.kind === 'cron' ? 'cron expression' : 'number of seconds'}`
    : unsendable(choice.when) ?? unsendable(choice.name);
  if (problem !== null) {
    Notification.error(`taskbook: cannot schedule: ${problem}.`, { autoClose: false });
    return;
  }
  const outcome = await runLine(ctx, panel, scheduleLine(choice));
  if (!outcome) {
    return;
  }
  if (!outcome.ok) {
    notifyFailure('Schedule failed', outcome);
    return;
  }
  Notification.success(scheduledMessage(outcome.text), { autoClose: false });
}

/**
 * A toast-sized summary (JupyterLab cuts messages at 140 characters) of
 * `taskbook schedule add`'s output: the name and the next three fire times.
 */
export function scheduledMessage(text: string): string {
  const name = /^Added schedule '(.+?)'/m.exec(text);
  const times = text
    .split('\n')
    .map(line => line.trim())
    .filter(line => /^\d{4}-\d\d-\d\d /.test(line));
  if (!name) {
    return text || 'Scheduled.';
  }
  return [`Scheduled ${name[1]}. Next runs:`, ...times.slice(0, 3)].join('\n');
}

/** Add "Schedule…" (palette; the toolbar button comes from `addToolbar`). */
export function addScheduleCommand(
  ctx: IContext,
  addToPalette: (id: string) => void
): void {
  ctx.app.commands.addCommand(CommandIDs.schedule, {
    label: 'Schedule…',
    caption: 'Run this notebook on a schedule (%flow schedule add)',
    isEnabled: () => ctx.tracker.currentWidget !== null,
    execute: async () => {
      const panel = ctx.tracker.currentWidget;
      if (panel) {
        await schedule(ctx, panel);
      }
    }
  });
  addToPalette(CommandIDs.schedule);
}

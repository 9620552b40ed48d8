/**
 * Send one `%flow` line to a notebook's kernel, the way every taskbook command
 * does: load taskbook if needed, send the editor's cells, run the line with its
 * output in the sidebar's run log, and hand back what it printed.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { OutputArea } from '@jupyterlab/outputarea';

import { KernelLink } from './kernel';
import { RunsSidebar } from './sidebar';

export interface IContext {
  app: JupyterFrontEnd;
  tracker: INotebookTracker;
  links: WeakMap<NotebookPanel, KernelLink>;
  sidebar: RunsSidebar;
}

/** How a `%flow` line ended: `ok` is the kernel's reply status; `text` its output. */
export interface IOutcome {
  ok: boolean;
  text: string;
}

/**
 * Run a `%flow` line in `panel`'s kernel with the editor's cells.
 *
 * Returns null when the line could not be sent (no kernel, taskbook did not
 * load); the user has been told why.
 */
export async function runLine(
  ctx: IContext,
  panel: NotebookPanel,
  line: string
): Promise<IOutcome | null> {
  const link = ctx.links.get(panel);
  const session = panel.sessionContext;
  await session.ready;
  if (!link || !session.session?.kernel) {
    Notification.error('taskbook: this notebook has no kernel.');
    return null;
  }
  if (!link.connected) {
    const log = ctx.sidebar.runLog(panel);
    await OutputArea.execute('%load_ext taskbook', log, session);
    if (!(await link.waitAttached(10000))) {
      Notification.error('taskbook: the kernel did not load taskbook.');
      return null;
    }
  }
  link.sendSources(true);
  const log = ctx.sidebar.runLog(panel);
  ctx.app.shell.activateById(ctx.sidebar.id);
  const reply = await OutputArea.execute(line, log, session);
  return { ok: reply?.content.status === 'ok', text: outputText(log) };
}

/** The text a run log shows: streams, plain-text results and errors. */
function outputText(log: OutputArea): string {
  const parts: string[] = [];
  for (let i = 0; i < log.model.length; i++) {
    const output = log.model.get(i).toJSON() as { [key: string]: any };
    if (output.output_type === 'stream') {
      parts.push(joined(output.text));
    } else if (output.output_type === 'error') {
      parts.push(`${output.ename}: ${output.evalue}\n`);
    } else if (output.data?.['text/plain'] !== undefined) {
      parts.push(joined(output.data['text/plain']));
    }
  }
  return parts.join('').trim();
}

function joined(text: unknown): string {
  return Array.isArray(text) ? text.join('') : String(text);
}

/**
 * The kernel's error text without IPython's `UsageError: ` and the error's class,
 * which `%flow` puts in front of the message it means for the user.
 */
export function errorMessage(outcome: IOutcome): string {
  const line =
    outcome.text
      .split('\n')
      .map(l => l.trim())
      .filter(l => l)
      .pop() ?? 'the kernel reported an error';
  return line.replace(/^UsageError: /, '').replace(/^[A-Za-z]+Error: /, '');
}

/**
 * Tell that a `%flow` line failed, with the kernel's message. A toast cuts
 * messages at 140 characters, so the whole one is a click away ("Details").
 */
export function notifyFailure(title: string, outcome: IOutcome): void {
  const message = errorMessage(outcome);
  Notification.error(`${title}: ${message}`, {
    autoClose: false,
    actions: [
      {
        label: 'Details',
        caption: 'Show the whole message',
        callback: () => void showErrorMessage(title, message)
      }
    ]
  });
}

/**
 * Why `word` cannot go on a `%flow` line, or null: IPython expands `$name` and
 * `{expr}` in a line magic's arguments, quoted or not.
 */
export function unsendable(word: string): string | null {
  return /[${}\n]/.test(word)
    ? `${JSON.stringify(word)} has one of $ { } or a line break, which a %flow line cannot carry`
    : null;
}

/** Quote `word` for the `%flow` parser (shlex). */
export function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_./:=@+-]+$/.test(word)) {
    return word;
  }
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

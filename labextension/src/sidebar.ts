/**
 * The right sidebar: the active notebook's run history from the store (server
 * extension) and the log of the last run started from the toolbar. It reloads
 * when the active notebook changes and when a run ends; it never polls.
 */
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget, PanelLayout } from '@lumino/widgets';

import { formatSeconds } from './badges';
import { fetchRuns, IRunRow } from './rest';

export class RunsSidebar extends Widget {
  private _list = document.createElement('ul');
  private _heading = document.createElement('div');
  private _log: OutputArea | null = null;
  private _path = '';

  constructor() {
    super();
    this.id = 'taskbook-runs';
    this.addClass('taskbook-sidebar');
    this.title.label = 'Runs';
    this.title.caption = 'taskbook: runs of this notebook';
    this.layout = new PanelLayout();
    const header = new Widget();
    this._heading.className = 'taskbook-sidebar-heading';
    this._heading.textContent = 'No notebook';
    this._list.className = 'taskbook-runs';
    header.node.append(this._heading, this._list);
    (this.layout as PanelLayout).addWidget(header);
  }

  get path(): string {
    return this._path;
  }

  /** Show the runs of `panel`'s notebook (or nothing). */
  async follow(panel: NotebookPanel | null): Promise<void> {
    this._path = panel?.context.path ?? '';
    await this.reload();
  }

  async reload(): Promise<void> {
    const path = this._path;
    if (!path) {
      this._heading.textContent = 'No notebook';
      this._list.replaceChildren();
      return;
    }
    this._heading.textContent = `Runs of ${path}`;
    try {
      const { runs } = await fetchRuns(path);
      if (path === this._path) {
        this._render(runs);
      }
    } catch (error) {
      this._list.replaceChildren(item(`Could not load runs: ${error}`));
    }
  }

  /** An output area for the run the toolbar starts in `panel`'s kernel. */
  runLog(panel: NotebookPanel): OutputArea {
    this._log?.dispose();
    this._log = new OutputArea({
      model: new OutputAreaModel(),
      rendermime: panel.content.rendermime
    });
    this._log.addClass('taskbook-run-log');
    (this.layout as PanelLayout).addWidget(this._log);
    return this._log;
  }

  private _render(runs: IRunRow[]): void {
    if (!runs.length) {
      this._list.replaceChildren(item('No runs recorded yet.'));
      return;
    }
    this._list.replaceChildren(
      ...runs.map(run => {
        const li = item('');
        li.dataset.runId = run.id;
        li.dataset.state = run.state_type ?? 'NONE';
        const when = run.created
          ? new Date(run.created * 1000).toLocaleString()
          : '';
        const took = run.duration !== null ? formatSeconds(run.duration) : '…';
        li.textContent = `${run.state_name ?? '?'} · ${run.name} · ${when} · ${took} · ${run.task_runs} task runs`;
        return li;
      })
    );
  }
}

function item(text: string): HTMLLIElement {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

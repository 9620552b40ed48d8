/**
 * The right sidebar: the active notebook's DAG (the saved file, nodes in their
 * last recorded states, drawn by the server extension) above its run history
 * from the store, and the log of the last run started from the toolbar. It
 * reloads when the active notebook changes, when a run ends, after a kernel
 * restart and after a save; it never polls.
 */
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget, PanelLayout } from '@lumino/widgets';

import { formatSeconds } from './badges';
import { fetchDag, fetchRuns, IRunRow } from './rest';

export class RunsSidebar extends Widget {
  private _dag = document.createElement('div');
  private _list = document.createElement('ul');
  private _heading = document.createElement('div');
  private _log: OutputArea | null = null;
  private _path = '';
  private _dagTicket = 0;

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
    this._dag.className = 'taskbook-dag';
    header.node.append(this._dag, this._heading, this._list);
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
      void this.reloadDag();
      return;
    }
    this._heading.textContent = `Runs of ${path}`;
    void this.reloadDag();
    try {
      const { runs } = await fetchRuns(path);
      if (path === this._path) {
        this._render(runs);
      }
    } catch (error) {
      this._list.replaceChildren(item(`Could not load runs: ${error}`));
    }
  }

  /** Redraw the active notebook's DAG (also after a save: it is the saved file's). */
  async reloadDag(): Promise<void> {
    const path = this._path;
    const ticket = ++this._dagTicket;
    if (!path) {
      this._showDag('', 'none', null);
      return;
    }
    this._dag.dataset.status = 'loading';
    let svg: string | null;
    try {
      svg = await fetchDag(path);
    } catch (error) {
      if (ticket === this._dagTicket) {
        const reason = error instanceof Error ? error.message : String(error);
        this._showDag(path, 'error', `Could not draw the DAG: ${reason}`);
      }
      return;
    }
    // A later reload (another notebook, a newer run) has the last word.
    if (ticket !== this._dagTicket) {
      return;
    }
    if (svg === null) {
      this._showDag(path, 'empty', 'No task cells in this notebook.');
      return;
    }
    const drawing = fitToPanel(svg);
    if (drawing === null) {
      this._showDag(path, 'error', 'Could not draw the DAG: not an SVG drawing.');
      return;
    }
    this._showDag(path, 'ok', null);
    this._dag.replaceChildren(drawing);
  }

  private _showDag(path: string, status: string, note: string | null): void {
    this._dag.dataset.path = path;
    this._dag.dataset.status = status;
    if (note !== null) {
      const line = document.createElement('div');
      line.className = 'taskbook-dag-note';
      line.textContent = note;
      line.title = note; // one line in the panel, cut with an ellipsis; all of it on hover
      this._dag.replaceChildren(line);
    } else {
      this._dag.replaceChildren();
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

/**
 * The server's SVG as an element as wide as the panel, never wider than drawn:
 * the viewBox keeps the proportions. Parsed as XML, so nothing in it runs.
 */
function fitToPanel(text: string): SVGSVGElement | null {
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = parsed.documentElement;
  if (!(root instanceof SVGSVGElement)) {
    return null;
  }
  const svg = document.importNode(root, true);
  const natural = parseFloat(svg.getAttribute('width') ?? '');
  svg.setAttribute('width', '100%');
  svg.removeAttribute('height');
  if (natural > 0) {
    svg.style.maxWidth = `${natural}px`;
  }
  svg.style.height = 'auto';
  svg.style.display = 'block';
  return svg;
}

function item(text: string): HTMLLIElement {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

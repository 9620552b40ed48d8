/**
 * Draw each task cell's badge from the model: on every model change, when cells
 * are added, and when a cell is drawn again (scrolled back into view in `full`
 * windowing mode). The DOM holds no state: a badge is rewritten from the model.
 */
import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { showDialog, Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { BadgeModel } from './model';
import { CellState, TaskInfo } from './protocol';

const BADGE = 'taskbook-badge';

const ICONS: { [state: string]: string } = {
  COMPLETED: '✓',
  FAILED: '✗',
  CRASHED: '✗',
  CANCELLED: '⊘',
  RUNNING: '●',
  PENDING: '…',
  SCHEDULED: '…'
};

export function describe(info: TaskInfo, state?: CellState): string {
  if (!state) {
    return `${info.name} · not run`;
  }
  const parts = [`${ICONS[state.state] ?? '•'} ${state.name}`];
  if (state.duration !== null) {
    parts.push(formatSeconds(state.duration));
  }
  if (state.attempts > 1) {
    parts.push(`${state.attempts} attempts`);
  }
  if (state.cached) {
    parts.push('⚡ cached');
  }
  if (state.stale) {
    parts.push('stale');
  }
  return parts.join(' · ');
}

export function formatSeconds(seconds: number): string {
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export class BadgeView {
  private _watched = new WeakSet<Cell>();

  constructor(
    private panel: NotebookPanel,
    private model: BadgeModel
  ) {
    model.changed.connect((_, ids) => (ids ? this.drawSome(ids) : this.drawAll()));
    panel.content.model?.cells.changed.connect(() => this.drawAll());
    panel.content.modelChanged.connect(() => this.drawAll());
    this.drawAll();
  }

  drawAll(): void {
    const start = performance.now();
    for (const cell of this.panel.content.widgets) {
      this._watch(cell);
      this.draw(cell);
    }
    // The benchmark sums these: the main-thread time the badges cost.
    performance.measure('taskbook:draw', { start });
  }

  /** Redraw only the badges of `ids` (a states message during a run). */
  drawSome(ids: string[]): void {
    const start = performance.now();
    const wanted = new Set(ids);
    for (const cell of this.panel.content.widgets) {
      if (wanted.has(cell.model.id)) {
        this._watch(cell);
        this.draw(cell);
      }
    }
    performance.measure('taskbook:draw', { start });
  }

  private _watch(cell: Cell): void {
    if (this._watched.has(cell)) {
      return;
    }
    this._watched.add(cell);
    // Redraw when JupyterLab draws the cell again (windowed notebooks).
    cell.inViewportChanged.connect(() => this.draw(cell));
    void cell.ready.then(() => this.draw(cell));
  }

  draw(cell: Cell): void {
    const id = cell.model.id;
    const info = this.model.task(id);
    const state = this.model.state(id);
    let badge = cell.node.querySelector<HTMLElement>(`:scope > .${BADGE}`);
    const shown = info && (info.kind === 'task' || info.kind === 'params' || state);
    if (!shown) {
      badge?.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement('div');
      badge.className = BADGE;
      badge.addEventListener('click', () => this._details(cell.model.id));
      cell.node.prepend(badge);
    }
    badge.dataset.cellId = id;
    badge.dataset.task = info!.name;
    badge.dataset.state = state?.state ?? 'NONE';
    badge.dataset.stateName = state?.name ?? '';
    badge.dataset.cached = String(state?.cached ?? false);
    badge.dataset.stale = String(state?.stale ?? false);
    const ts = state ? String(state.ts) : '';
    if (badge.dataset.ts !== ts) {
      badge.dataset.ts = ts; // only on change: the benchmark watches it
    }
    badge.title = `${info!.name}: click for details`;
    badge.textContent = describe(info!, state);
  }

  private _details(cellId: string): void {
    const info = this.model.task(cellId);
    const state = this.model.state(cellId);
    if (!info) {
      return;
    }
    const body = document.createElement('div');
    body.className = 'taskbook-details';
    const rows: [string, string][] = [
      ['Task', info.name],
      ['Kind', info.kind],
      ['State', state ? `${state.name} (${state.state})` : 'not run'],
      ['Duration', state?.duration != null ? formatSeconds(state.duration) : '—'],
      ['Attempts', String(state?.attempts ?? 0)],
      ['Cache', state?.cached ? 'hit' : '—'],
      ['Stale', state?.stale ? 'yes: its source changed since it completed' : 'no'],
      ['Message', state?.message ?? '—']
    ];
    for (const [key, value] of rows) {
      const row = document.createElement('div');
      row.textContent = `${key}: ${value}`;
      body.appendChild(row);
    }
    void showDialog({
      title: `taskbook: ${info.name}`,
      body: new Widget({ node: body }),
      buttons: [Dialog.okButton()]
    });
  }
}

/**
 * The badges of one notebook, keyed by cell id (never by DOM node): the registry
 * the kernel sent and each cell's last state. Views redraw from it whenever it
 * changes or a cell is drawn again (JupyterLab detaches cells scrolled away).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { CellState, TaskInfo } from './protocol';

export class BadgeModel {
  private _tasks = new Map<string, TaskInfo>();
  private _states = new Map<string, CellState>();
  private _changed = new Signal<this, string[] | null>(this);

  /** Emits the ids of the cells whose badge changed, or null for all of them. */
  get changed(): ISignal<this, string[] | null> {
    return this._changed;
  }

  task(cellId: string): TaskInfo | undefined {
    return this._tasks.get(cellId);
  }

  state(cellId: string): CellState | undefined {
    return this._states.get(cellId);
  }

  taskByName(name: string): TaskInfo | undefined {
    for (const info of this._tasks.values()) {
      if (info.name === name) {
        return info;
      }
    }
    return undefined;
  }

  setRegistry(tasks: TaskInfo[]): void {
    this._tasks = new Map(tasks.map(t => [t.cell_id, t]));
    this._changed.emit(null);
  }

  /** Apply changed states (newer ones win; a store state never hides a live one). */
  update(cells: CellState[]): void {
    const changed: string[] = [];
    for (const cell of cells) {
      const known = this._states.get(cell.cell_id);
      if (!known || known.ts <= cell.ts || cell.state === 'RUNNING') {
        this._states.set(cell.cell_id, cell);
        changed.push(cell.cell_id);
      }
    }
    if (changed.length) {
      this._changed.emit(changed);
    }
  }

  /** Forget everything (a kernel restart); the store's states come next. */
  reset(): void {
    this._tasks.clear();
    this._states.clear();
    this._changed.emit(null);
  }
}

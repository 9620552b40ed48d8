/**
 * The comm with the kernel of one notebook: attach when the kernel opens it (at
 * `%load_ext taskbook`) or, after a page reload, by opening one to the kernel's
 * target; dispatch kernel messages by type; send the editor's cells. Nothing
 * polls: the kernel pushes.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { BadgeModel } from './model';
import {
  CellSource,
  COMM_TARGET,
  KernelMessage as TaskbookMessage,
  RunFinishedMessage,
  SourcesMessage
} from './protocol';

/** How long the editor must be still before its cells are sent. */
const SEND_DELAY_MS = 400;

export class KernelLink {
  readonly model = new BadgeModel();
  private _comm: Kernel.IComm | null = null;
  private _dirty = true;
  private _lastSent = '';
  private _attached = new Signal<this, void>(this);
  private _runFinished = new Signal<this, RunFinishedMessage>(this);
  private _hooked = new WeakSet<Kernel.IKernelConnection>();

  constructor(readonly panel: NotebookPanel) {
    const ctx = panel.sessionContext;
    ctx.kernelChanged.connect((_, change) => this._hook(change.newValue));
    ctx.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting') {
        this._comm = null;
        this.model.reset();
        this._restarted.emit();
      }
    });
    void ctx.ready.then(() => this._hook(ctx.session?.kernel ?? null));
    panel.content.modelContentChanged.connect(() => {
      this._dirty = true;
      this._scheduleSend();
    });
  }

  private _restarted = new Signal<this, void>(this);
  private _timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Send the cells once typing pauses, so an edited task turns "stale" at once.
   * A push over the open comm on a user edit; nothing is sent while idle.
   */
  private _scheduleSend(): void {
    if (!this._comm) {
      return;
    }
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      this.sendSources();
    }, SEND_DELAY_MS);
  }

  /** The kernel restarted: badges come from the store until it runs again. */
  get restarted(): ISignal<this, void> {
    return this._restarted;
  }

  get attached(): ISignal<this, void> {
    return this._attached;
  }

  get runFinished(): ISignal<this, RunFinishedMessage> {
    return this._runFinished;
  }

  get connected(): boolean {
    return this._comm !== null && !this._comm.isDisposed;
  }

  get sessionContext(): ISessionContext {
    return this.panel.sessionContext;
  }

  /** Send the editor's code cells if they changed since the last send (or `force`). */
  sendSources(force = false): void {
    if (!this._comm || (!this._dirty && !force)) {
      return;
    }
    const cells: CellSource[] = [];
    const model = this.panel.content.model;
    if (!model) {
      return;
    }
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      if (cell.type !== 'code') {
        continue;
      }
      const tags = cell.getMetadata('tags');
      cells.push({
        id: cell.id,
        index: i,
        source: cell.sharedModel.getSource(),
        tags: Array.isArray(tags) ? tags.map(String) : []
      });
    }
    const message: SourcesMessage = {
      type: 'sources',
      cells,
      path: this.panel.context.path
    };
    this._dirty = false;
    const text = JSON.stringify(message);
    if (!force && text === this._lastSent) {
      return; // outputs changed, not the code
    }
    this._lastSent = text;
    this._comm.send(message as any);
  }

  /** Resolve once a comm is attached (true), or after `timeout` ms (false). */
  waitAttached(timeout: number): Promise<boolean> {
    if (this.connected) {
      return Promise.resolve(true);
    }
    return new Promise(resolve => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this._attached.disconnect(onAttached);
        resolve(value);
      };
      const onAttached = () => done(true);
      const timer = setTimeout(() => done(false), timeout);
      this._attached.connect(onAttached);
    });
  }

  private _hook(kernel: Kernel.IKernelConnection | null): void {
    if (!kernel || this._hooked.has(kernel)) {
      return;
    }
    this._hooked.add(kernel);
    kernel.registerCommTarget(COMM_TARGET, (comm, msg) => {
      this._attach(comm);
      this._handle(msg.content.data as any);
    });
    // After a page reload the kernel may have taskbook loaded already: it then
    // has a comm of ours open, and answers a new one.
    void kernel
      .requestCommInfo({ target_name: COMM_TARGET })
      .then(reply => {
        const comms = (reply.content as any).comms ?? {};
        if (reply.content.status === 'ok' && Object.keys(comms).length) {
          const comm = kernel.createComm(COMM_TARGET);
          this._attach(comm);
          comm.open({ type: 'hello' });
        }
      })
      .catch(() => undefined);
  }

  private _attach(comm: Kernel.IComm): void {
    this._comm = comm;
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) =>
      this._handle(msg.content.data as any);
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
      }
    };
    this._dirty = true;
    this.sendSources(true);
    this._attached.emit();
  }

  private _handle(data: TaskbookMessage | { type: 'hello' }): void {
    switch (data?.type) {
      case 'registry':
        this.model.setRegistry(data.tasks);
        break;
      case 'states':
        this.model.update(data.cells);
        break;
      case 'run_finished':
        this._runFinished.emit(data);
        break;
      default:
        break;
    }
  }
}

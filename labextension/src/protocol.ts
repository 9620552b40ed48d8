// Generated from src/taskbook/protocol/messages.py by scripts/gen_protocol.py.
// Do not edit: change the Python messages and regenerate.

export const COMM_TARGET = 'taskbook';
export const PROTOCOL_VERSION = 1;

/** One code cell as the editor has it now (saved or not). */
export interface CellSource {
  id: string;
  index: number;
  source: string;
  tags: string[];
}

/** The notebook's code cells in order: ``%flow`` runs these from now on. */
export interface SourcesMessage {
  type: 'sources';
  cells: CellSource[];
  path: string;
}

/** The frontend (re)attached to the kernel: send the registry and the states. */
export interface HelloMessage {
  type: 'hello';
}

/** A cell of the notebook's DAG: which task (or plain cell) it is. */
export interface TaskInfo {
  cell_id: string;
  name: string;
  kind: 'task' | 'cell' | 'params' | 'control';
}

/** The notebook's cells as the kernel sees them (sent when they change). */
export interface RegistryMessage {
  type: 'registry';
  version: number;
  tasks: TaskInfo[];
}

/** What a cell's badge shows: its last run in this kernel. */
export interface CellState {
  cell_id: string;
  state: string;
  name: string;
  duration: number | null;
  attempts: number;
  cached: boolean;
  stale: boolean;
  message: string | null;
  ts: number;
}

/** Changed badges, coalesced: at most one message per ``interval``. */
export interface StatesMessage {
  type: 'states';
  cells: CellState[];
}

/** A flow run ended (the sidebar reloads its history). */
export interface RunFinishedMessage {
  type: 'run_finished';
  flow_run_id: string;
  state_type: string;
}

/** ``GET taskbook/api/cells``: the saved file's cells and their last states. */
export interface CellsReply {
  tasks: TaskInfo[];
  cells: CellState[];
}

export type FrontendMessage = SourcesMessage | HelloMessage;

export type KernelMessage = RegistryMessage | StatesMessage | RunFinishedMessage;

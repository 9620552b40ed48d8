/** Calls to taskbook's server extension (authenticated REST, same origin). */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { CellsReply } from './protocol';

export interface IRunRow {
  id: string;
  name: string;
  flow_name: string;
  state_type: string | null;
  state_name: string | null;
  created: number | null;
  duration: number | null;
  task_runs: number;
}

async function request(endpoint: string, path: string): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  const url =
    URLExt.join(settings.baseUrl, 'taskbook', 'api', endpoint) +
    `?path=${encodeURIComponent(path)}`;
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    // The server extension's errors are JSON with a one-line `message`.
    let message = `${response.status} ${response.statusText}`;
    try {
      message = ((await response.json()) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ServerConnection.ResponseError(response, message);
  }
  return response;
}

async function get<T>(endpoint: string, path: string): Promise<T> {
  return (await (await request(endpoint, path)).json()) as T;
}

/** The runs of a notebook recorded in its store, newest first. */
export function fetchRuns(path: string): Promise<{ runs: IRunRow[] }> {
  return get('runs', path);
}

/** The saved cells and their last recorded states (badges before the kernel talks). */
export function fetchCellStates(path: string): Promise<CellsReply> {
  return get('cells', path);
}

/** The saved notebook's DAG as SVG text (last recorded states); null: no DAG cells. */
export async function fetchDag(path: string): Promise<string | null> {
  const response = await request('dag', path);
  return response.status === 204 ? null : response.text();
}

/** Command ids of the taskbook extension and the `%flow run` line of each run command. */

export namespace CommandIDs {
  export const runFlow = 'taskbook:run-flow';
  export const runStale = 'taskbook:run-stale';
  export const runFailed = 'taskbook:run-failed';
  export const runDownstream = 'taskbook:run-downstream';
  export const exportFlow = 'taskbook:export';
  export const schedule = 'taskbook:schedule';
  export const showRuns = 'taskbook:show-runs';
}

/** The `%flow run` line of each run command (the task name is appended for downstream). */
export const RUN_LINES: { [command: string]: string } = {
  [CommandIDs.runFlow]: '%flow run --no-view',
  [CommandIDs.runStale]: '%flow run --stale --no-view',
  [CommandIDs.runFailed]: '%flow run --failed --no-view',
  [CommandIDs.runDownstream]: '%flow run --no-view --from'
};

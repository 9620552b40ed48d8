/** Command ids and feature flags of the taskbook extension. */

export namespace CommandIDs {
  export const runFlow = 'taskbook:run-flow';
  export const runStale = 'taskbook:run-stale';
  export const runFailed = 'taskbook:run-failed';
  export const runDownstream = 'taskbook:run-downstream';
  export const exportFlow = 'taskbook:export';
  export const schedule = 'taskbook:schedule';
  export const showRuns = 'taskbook:show-runs';
}

/**
 * Commands whose kernel side is not built yet stay hidden (toolbar and palette).
 * Turn one on once `%flow export` / `%flow schedule` exist; the command is wired.
 */
export const FEATURES = {
  exportFlow: false,
  schedule: false
};

/** The `%flow run` line of each run command (the task name is appended for downstream). */
export const RUN_LINES: { [command: string]: string } = {
  [CommandIDs.runFlow]: '%flow run --no-view',
  [CommandIDs.runStale]: '%flow run --stale --no-view',
  [CommandIDs.runFailed]: '%flow run --failed --no-view',
  [CommandIDs.runDownstream]: '%flow run --no-view --from'
};

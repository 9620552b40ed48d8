"""Pure building blocks: ids, options, states, cache keys, graphs. Stdlib only, no I/O."""

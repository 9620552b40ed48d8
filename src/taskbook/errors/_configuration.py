"""Errors of set-up: an option, name, notebook graph or parameter that cannot work.

All derive ``ConfigurationError`` (a ``ValueError``); each builds its message (the
offending value, then the fix) in a ``from_...`` classmethod.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from taskbook.errors._base import PrefectException, listing, short_repr

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


def _unknown(what: str, name: str, known: Iterable[str], where: str = "") -> str:
    """``Unknown option '--x' for %%task. Did you mean --y? Use one of: ...``."""
    choices = sorted(known)
    close = difflib.get_close_matches(name, choices, n=1)
    guess = f" Did you mean {close[0]}?" if close else ""
    return f"Unknown {what} {name!r}{where}.{guess} Use one of: {listing(choices)}."


class ConfigurationError(PrefectException, ValueError):
    """A task, flow or notebook is configured in a way that cannot work."""

    def in_cell(self, number: int, line: str) -> Self:
        """Return this error with the cell it comes from named first.

        Args:
            number: The cell's position, from 1, as JupyterLab's "Cell N/M" shows.
            line: The cell's first line (its ``%%task`` line).
        """
        return type(self)(f"Cell {number} ({line.strip()}): {self}")


class InvalidOptionError(ConfigurationError, TypeError):
    """An option of ``@task``/``@flow`` (or its magic/CLI flag) has a bad value."""

    @classmethod
    def from_value(
        cls, option: str, value: Any, expected: str, owner: str = "task"
    ) -> Self:
        return cls(
            f"{owner} option {option}={value!r} is invalid: expected {expected}. "
            f"Pass {option} as {expected}."
        )

    @classmethod
    def from_rule(cls, rule: str, fix: str) -> Self:
        """Prefect's own sentence for a documented limit (users match on it), then ours."""
        return cls(f"{rule} {fix}")

    @classmethod
    def from_missing(cls, option: str, expected: str, owner: str = "task") -> Self:
        return cls(
            f"{owner} option {option} has no value. Write {option} followed by "
            f"{expected}."
        )

    @classmethod
    def from_unknown(
        cls, option: str, known: Iterable[str], owner: str = "task"
    ) -> Self:
        return cls(
            f"Unknown {owner} option {option!r}. Valid options are: {listing(known)}."
        )


class InvalidNameError(ConfigurationError):
    """A task or flow name contains a character Prefect bans."""

    BANNED = ("/", "%", "&", ">", "<")

    @classmethod
    def from_name(cls, name: str, owner: str = "flow") -> Self:
        bad = [c for c in cls.BANNED if c in name]
        return cls(
            f"Name {name!r} of the {owner} contains an invalid character {bad[0]!r}. "
            f"Remove the characters {' '.join(cls.BANNED)} from the name."
        )


class ReservedArgumentError(ConfigurationError, TypeError):
    """A function uses a parameter name that taskbook reserves for calls."""

    @classmethod
    def from_name(cls, name: str, function: str) -> Self:
        return cls(
            f"{name!r} is a reserved argument name and cannot be used "
            f"(in function {function!r}). Rename the parameter."
        )


class RunNameTemplateError(ConfigurationError):
    """A run-name template refers to a name that is not a parameter."""

    @classmethod
    def from_template(
        cls, template: str, missing: str, parameters: Iterable[str]
    ) -> Self:
        return cls(
            f"Run name template {template!r} refers to {{{missing}}}, which is not a "
            f"parameter (parameters: {listing(parameters)}). Use one of the parameter "
            f"names or pass a callable."
        )


class RunNameTypeError(ConfigurationError, TypeError):
    """A callable ``task_run_name``/``flow_run_name`` returned something not a str."""

    @classmethod
    def from_callable(cls, function: Any, option: str, value: Any) -> Self:
        return cls(
            f"Callable {function} for {option!r} returned type "
            f"{type(value).__name__} but a string is required. Return the run's "
            f"name as a str (for example with str(...) or an f-string)."
        )


class DependencyCycleError(ConfigurationError):
    """The notebook DAG has a cycle."""

    @classmethod
    def from_cycle(cls, cycle: Sequence[str]) -> Self:
        path = " -> ".join([*cycle, cycle[0]]) if cycle else "?"
        return cls(
            f"Dependency cycle detected: {path}. Remove one of the --after/--needs "
            f"dependencies or split the cell."
        )


class DuplicateTaskNameError(ConfigurationError):
    """Two tasks in one notebook share a name."""

    @classmethod
    def from_name(cls, name: str, cells: Sequence[int]) -> Self:
        return cls(
            f"Task name {name!r} is used by more than one cell (cells "
            f"{listing(map(str, cells), sort=False)}). Give each %%task cell a unique "
            f"name."
        )


class UnknownTaskError(ConfigurationError, KeyError):
    """An option or command names a task that does not exist."""

    @classmethod
    def from_name(cls, name: str, known: Sequence[str]) -> Self:
        return cls(f"No task named {name!r}. Known tasks: {listing(known)}.")


class UnknownMagicOptionError(ConfigurationError):
    """A ``%%task``/``%flow`` line has a flag that does not exist."""

    @classmethod
    def from_flag(cls, flag: str, known: Iterable[str], magic: str = "%%task") -> Self:
        return cls(_unknown("option", flag, known, f" for {magic}"))


class HiddenStateError(ConfigurationError):
    """A cell reads a name that no earlier cell defines (headless runs)."""

    @classmethod
    def from_messages(cls, messages: Sequence[str]) -> Self:
        return cls(" ".join(messages))


class UnknownParameterError(ConfigurationError, KeyError):
    """A parameter was given that the notebook does not declare."""

    @classmethod
    def from_name(cls, name: str, valid: Sequence[str]) -> Self:
        return cls(
            f"Unknown parameter {name!r}. The parameters cell declares: "
            f"{listing(valid, sort=False)}. Check the spelling, or declare {name!r} in "
            f"the parameters cell."
        )


class ParameterValueError(ConfigurationError, TypeError):
    """A parameter value does not fit the declared type or constraint."""

    @classmethod
    def from_value(
        cls, name: str, value: Any, expected: str, valid: Sequence[str] = ()
    ) -> Self:
        listed = f" Valid parameters: {', '.join(valid)}." if valid else ""
        return cls(
            f"Parameter {name!r} got {short_repr(value)}, which is not {expected}. "
            f"Pass {expected}.{listed}"
        )

    @classmethod
    def from_declaration(cls, name: str, value: Any, expected: str) -> Self:
        return cls(
            f"The parameters cell sets {name} = {short_repr(value)}, but its "
            f"declaration wants {expected}, so the parameter form cannot show it. "
            f"Change the value, or the annotation, so that they agree."
        )


class ParameterSourceError(ParameterValueError):
    """A ``-f`` file, ``-y`` text or ``-b`` value cannot be read as parameters."""

    @classmethod
    def from_source(cls, source: str, problem: str) -> Self:
        return cls(
            f"Cannot read parameters from {source}: {problem}. Pass a YAML (or JSON) "
            f"mapping of parameter names to values, such as 'n: 500'."
        )


class NoParametersCellError(ConfigurationError):
    """Parameters were given for a notebook that has no parameters cell."""

    @classmethod
    def from_notebook(cls, path: str, names: Sequence[str]) -> Self:
        return cls(
            f"Notebook {path!r} has no parameters cell, so {', '.join(names)} cannot "
            f"be set. Add a %%params cell (or tag a cell 'parameters') declaring them."
        )


class RunInProgressError(ConfigurationError):
    """A run was started in a kernel while another one is still running."""

    @classmethod
    def from_run(cls, what: str) -> Self:
        return cls(
            f"A run is already in progress ({what}). Wait for it to finish, or "
            f"interrupt the kernel to cancel it."
        )


class CachePolicyError(ConfigurationError, TypeError):
    """Something other than an input name was subtracted from a cache policy."""

    @classmethod
    def from_subtrahend(cls, value: Any) -> Self:
        return cls(
            f"Can only subtract strings (input names) from cache policies, "
            f"got {value!r}. Write the input's name, as in INPUTS - 'x'."
        )


class InvalidCronError(ConfigurationError):
    """A schedule's cron expression cannot be read."""

    @classmethod
    def from_expression(cls, expression: str, problem: str) -> Self:
        return cls(
            f"Invalid cron expression {expression!r}: {problem}. Write five fields "
            f"(minute hour day-of-month month day-of-week), such as '0 6 * * 1-5'."
        )

    @classmethod
    def from_string(cls, expression: str, problem: str) -> Self:
        """The Python API's message (``taskbook.schedules.Cron``): Prefect's first."""
        return cls(
            f'Invalid cron string: "{expression}" ({problem}). Write five fields '
            f"(minute hour day-of-month month day-of-week), such as '0 6 * * 1-5'."
        )


class InvalidIntervalError(ConfigurationError):
    """A schedule's interval is not a positive number of seconds."""

    @classmethod
    def from_value(cls, value: Any) -> Self:
        return cls(
            f"Invalid interval {short_repr(value)}: expected a positive number of "
            f"seconds (or 90s, 10m, 2h, 1d). Pass --interval 3600 for hourly runs."
        )


class InvalidRRuleError(ConfigurationError):
    """A schedule's RFC 5545 recurrence rule cannot be used."""

    @classmethod
    def from_rule(cls, rule: str, problem: str) -> Self:
        return cls(
            f"Invalid rrule {short_repr(rule)}: {problem}. Write an RFC 5545 rule, "
            f"such as 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9'."
        )

    @classmethod
    def from_string(cls, rule: str, problem: str) -> Self:
        """The Python API's message (``taskbook.schedules.RRule``): Prefect's first."""
        return cls(
            f'Invalid RRule string "{short_repr(rule)[1:-1]}": {problem}. Write an '
            f"RFC 5545 rule, such as 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9'."
        )


class UnknownTimeZoneError(ConfigurationError, KeyError):
    """A time zone name is not in the IANA tz database."""

    @classmethod
    def from_name(cls, name: str) -> Self:
        return cls(
            f"Unknown time zone {name!r}. Give an IANA zone name such as "
            f"'Europe/Berlin', 'America/New_York' or 'UTC'."
        )


class InvalidScheduleError(ConfigurationError):
    """A schedule's options do not fit together or do not fit its target."""

    @classmethod
    def from_problem(cls, problem: str, fix: str) -> Self:
        return cls(f"{problem}. {fix}")


class UnknownScheduleError(ConfigurationError, KeyError):
    """A command names a schedule that does not exist."""

    @classmethod
    def from_name(cls, name: str, known: Iterable[str]) -> Self:
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=1)
        guess = f" Did you mean {close[0]!r}?" if close else ""
        return cls(
            f"No schedule named {name!r}.{guess} Known schedules: {listing(known)}; "
            f"`taskbook schedule ls` lists them."
        )


class DuplicateScheduleError(ConfigurationError):
    """A schedule is added under a name that is taken."""

    @classmethod
    def from_name(cls, name: str) -> Self:
        return cls(
            f"A schedule named {name!r} exists already. Pick another --name, or "
            f"remove it first: taskbook schedule rm {name}."
        )

    @classmethod
    def from_served(cls, name: str, target: str) -> Self:
        """A served flow's schedule name is taken by a schedule of another target."""
        return cls(
            f"A schedule named {name!r} exists already, for {target}. Pass serve() "
            f"another name=, or remove it first: taskbook schedule rm {name}."
        )


class UnservableFlowError(ConfigurationError):
    """``flow.serve`` of a flow its runs cannot load again: not in a ``.py`` file."""

    @classmethod
    def from_interactive(cls, flow: str) -> Self:
        return cls(
            f"Cannot serve flow {flow!r}: it was defined in a notebook or an "
            f"interactive session, so there is no file its scheduled runs could "
            f"load it from. Export the notebook (taskbook export NOTEBOOK) and call "
            f'serve() under `if __name__ == "__main__":` in that module, or '
            f"schedule the notebook itself with `%flow schedule add --cron EXPR`."
        )

    @classmethod
    def from_unreachable(cls, flow: str, path: str) -> Self:
        return cls(
            f"Cannot serve flow {flow!r}: it is not a top-level name of {path}, so "
            f"its scheduled runs could not load it. Define it with @flow at the top "
            f"level of the module."
        )


class RetentionValueError(ConfigurationError):
    """A ``taskbook gc`` limit (age, count, size) that cannot be read."""

    @classmethod
    def from_text(cls, option: str, value: str, expected: str, example: str) -> Self:
        return cls(
            f"{option} {value!r} is not {expected}. Write it like {option} {example}."
        )

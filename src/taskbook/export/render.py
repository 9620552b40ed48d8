"""Write a ``FlowModule`` out as the text of a Python module, formatted as ruff would.

The same module shape serves every target: docstring, imports, the notebook's
functions, one task function per ``%%task`` cell, the flow, ``main``. A target
says which framework it names and how ``main`` runs the flow (``run_lines``).
Each piece of the notebook's code sits under its cell marker. Pure text.
"""

from __future__ import annotations

from collections.abc import Sequence

from taskbook.export.layout import LINE_LENGTH, bracket, str_literal
from taskbook.export.main_block import main_lines
from taskbook.export.model import FlowModule, Parameter, Step, TaskFunction
from taskbook.export.source import indent

__all__ = ("call_lines", "render")

_BODY = "    "


def render(
    module: FlowModule, target: str, run_lines: Sequence[str] | None = None
) -> str:
    """Return the module's source text.

    Args:
        module: The planned module.
        target: The target's name, for the docstring and the regenerate line.
        run_lines: How ``main`` runs the flow with ``parameters`` (indented by 8);
            by default the flow is called once.
    """
    blocks: list[list[str]] = [_docstring(module, target), list(module.imports)]
    if module.preamble:
        blocks.append(list(module.preamble))
    top: list[list[str]] = []
    for definition in module.definitions:
        top.append([definition.marker.comment(), *definition.text.splitlines()])
    for task in module.tasks:
        top.append(_task(module, task))
    top.append(_flow(module))
    run = list(run_lines) if run_lines is not None else _call(module)
    top.append(
        main_lines(
            main=module.names.main,
            description=f"Run the flow of {module.notebook}.",
            names=[p.name for p in module.parameters],
            text_names=module.text_parameters,
            run=run,
            parameter_error=module.names.parameter_error,
            shell=module.shell,
        )
    )
    head = "\n\n".join("\n".join(block) for block in blocks if block)
    body = "\n\n\n".join("\n".join(block) for block in top)
    return f"{head}\n\n\n{body}\n"


def _docstring(module: FlowModule, target: str) -> list[str]:
    return [
        f'"""The notebook {module.notebook} as a flow (taskbook export --target {target}).',
        "",
        "Run it with python; papermill's -p NAME VALUE sets a parameter (--help lists",
        "the options). A `# %% [cell N id=...]` comment marks the notebook cell the",
        "code below it comes from.",
        '"""',
    ]


def _keywords(pairs: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{key}={value}" for key, value in pairs]


def _task(module: FlowModule, task: TaskFunction) -> list[str]:
    lines = [task.marker.comment()]
    lines += bracket(f"@{module.names.task}", _keywords(task.options))
    keyword = "async def" if task.is_async else "def"
    lines += bracket(f"{keyword} {task.function}", list(task.arguments), ":")
    body = indent(task.body, _BODY) if task.body.strip() else ""
    if body:
        lines.append(body)
    if task.outputs:
        lines += _return(list(task.outputs), _BODY)
    elif not _has_statement(task.body):
        lines.append(f"{_BODY}pass")
    return lines


def _has_statement(code: str) -> bool:
    return any(
        line.strip() and not line.strip().startswith("#") for line in code.splitlines()
    )


def _return(names: list[str], at: str) -> list[str]:
    if len(names) == 1:
        return [f"{at}return {names[0]}"]
    flat = f"{at}return {', '.join(names)}"
    if len(flat) <= LINE_LENGTH:
        return [flat]
    return bracket("return ", names, indent=at, collection=True)


def _flow(module: FlowModule) -> list[str]:
    keywords = [f"name={str_literal(module.flow_name)}"]
    if module.isolated:
        keywords.append(f"task_runner={module.names.process_pool}()")
    lines = bracket(f"@{module.names.flow}", keywords)
    keyword = "async def" if module.is_async else "def"
    lines += bracket(
        f"{keyword} {module.function}", [_parameter(p) for p in module.parameters], ":"
    )
    lines += _flow_docstring(module)
    for step in module.steps:
        lines.append("")
        lines += _step(module, step)
    items = [f"{str_literal(name)}: {name}" for name in module.returns]
    lines.append("")
    lines += bracket(
        "return ", items, indent=_BODY, opening="{", closing="}", collection=True
    )
    return lines


def _parameter(parameter: Parameter) -> str:
    if parameter.annotation is None:
        return f"{parameter.name}={parameter.default}"
    return f"{parameter.name}: {parameter.annotation} = {parameter.default}"


def _flow_docstring(module: FlowModule) -> list[str]:
    first = f'{_BODY}"""Run the cells of {module.notebook} in order, tasks as tasks.'
    described = [p for p in module.parameters if p.description]
    if not described:
        return [first.rstrip() + '"""']
    lines = [first, "", f"{_BODY}Args:"]
    for parameter in described:
        text = " ".join((parameter.description or "").split())
        lines.append(f"{_BODY}    {parameter.name}: {text}")
    lines.append(f'{_BODY}"""')
    return lines


def _step(module: FlowModule, step: Step) -> list[str]:
    if step.note:
        assert step.marker is not None
        return [f"{_BODY}{step.marker.comment(step.note)}"]
    if step.task is not None:
        return call_lines(step.task, _BODY)
    assert step.marker is not None
    return [f"{_BODY}{step.marker.comment()}", indent(step.code, _BODY)]


def call_lines(task: TaskFunction, at: str) -> list[str]:
    """Return the statement that calls a task and binds what it returns."""
    arguments = list(task.arguments)
    if task.isolated:
        callee, tail = f"{task.function}.submit", ".result()"
    else:
        callee, tail = task.function, ""
    awaited = "await " if task.is_async and not task.isolated else ""
    targets = ", ".join(task.outputs)
    if not targets:
        return bracket(f"{awaited}{callee}", arguments, tail, indent=at)
    prefix = f"{targets} = {awaited}{callee}"
    if len(f"{at}{prefix}(") <= LINE_LENGTH:
        return bracket(prefix, arguments, tail, indent=at)
    head = bracket("", list(task.outputs), indent=at, collection=True)
    closing = head.pop()
    call = bracket(f"{closing.strip()} = {awaited}{callee}", arguments, tail, indent=at)
    return [*head, *call]


def _call(module: FlowModule) -> list[str]:
    call = f"{module.function}(**parameters)"
    if module.is_async:
        return ["        import asyncio", "", f"        asyncio.run({call})"]
    return [f"        {call}"]

"""What flows that return states and futures end in (Prefect 3's return-value rules)."""

import time

from prefect import flow, task
from prefect.states import Cancelled, Completed, Failed, State


def show(value):
    """One line per state: type, name, message (ids cut), result when not raising."""
    if isinstance(value, State):
        message = value.message
        if message and message.startswith("Upstream task run"):
            message = "Upstream task run ... did not reach a 'COMPLETED' state"
        try:
            result = show(value.result(raise_on_failure=False))
        except Exception as exc:
            result = f"raises {type(exc).__name__}"
        return f"{value.type.value}/{value.name}/{message}/{result}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(v) for v in value)
        return f"{type(value).__name__}[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, BaseException):
        # Builtin exceptions with their message; Prefect's own by name only (a
        # timeout's text differs: "Scope timed out after ..." there).
        own = type(value).__module__.startswith(("prefect", "taskbook"))
        return type(value).__name__ if own else f"{type(value).__name__}({value})"
    return repr(value)


@task
def ok(x):
    return x


@task
def bad(x):
    raise ValueError(f"bad {x}")


@task(timeout_seconds=0.5)
def slow():
    time.sleep(3)


@task
def after(x):
    return x


@task
def said_no():
    return Failed(message="task said no", data=42)


@task
def said_yes():
    return Completed(message="task said yes", data=7)


@flow
def one_future():
    return ok.submit(1)


@flow
def some_failed():
    return [ok.submit(1), bad.submit(2), bad.submit(3)]


@flow
def mapped():
    return ok.map((1, 2))


@flow
def dict_of_futures():
    return {"a": ok.submit(1), "b": bad.submit(2)}


@flow
def some_cancelled():
    return (ok.submit(1), Cancelled(), bad.submit(3))


@flow
def returns_failed():
    return Failed(message="flow said no", data={"rows": 0})


@flow
def returns_cancelled():
    return Cancelled()


@flow
def returns_task_states():
    return [said_no(return_state=True), said_yes(return_state=True)]


@flow
def timeout_example():
    first = slow.submit()
    second = after.submit(first)
    third = ok.submit("independent")
    return first, second, third


for each in (
    one_future,
    some_failed,
    mapped,
    dict_of_futures,
    some_cancelled,
    returns_failed,
    returns_cancelled,
    returns_task_states,
    timeout_example,
):
    try:
        called = show(each())
    except Exception as exc:
        called = f"raises {type(exc).__name__}"
    print(f"{each.__name__}() -> {called}")
    print(f"  state: {show(each(return_state=True))}")

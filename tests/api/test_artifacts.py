"""Artifacts as Prefect 3 documents them: kinds, keys, versions, ids, async twins.

Real flows on a per-test ``$TASKBOOK_HOME``; what is checked is what a user reads
back (``Artifact.get``, ``get_run``) and the errors and warnings a user sees.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import warnings

import pytest

import taskbook
from taskbook import flow, task
from taskbook.artifacts import (
    Artifact,
    ArtifactRecord,
    ImageArtifact,
    LinkArtifact,
    MarkdownArtifact,
    ProgressArtifact,
    TableArtifact,
    acreate_image_artifact,
    acreate_markdown_artifact,
    acreate_progress_artifact,
    aupdate_progress_artifact,
    create_image_artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from taskbook.blocks.system import Secret
from taskbook.engine import masking
from taskbook.errors import (
    ArtifactDataError,
    ArtifactNotFoundError,
    InvalidArtifactKeyError,
)
from taskbook.export.prefect_target import _MISSING

pytestmark = pytest.mark.usefixtures("isolated_home")


def _only_record() -> taskbook.api.history.RunRecord:
    return taskbook.get_run(taskbook.runs().id[0])


# -- return values, versions, Artifact.get ----------------------------------------


def test_create_functions_return_the_artifacts_uuid_and_get_reads_it_back() -> None:
    @flow
    def report() -> list[uuid.UUID]:
        return [
            create_markdown_artifact("# Report", key="report", description="daily"),
            create_table_artifact([{"a": 1}], key="numbers"),
            create_link_artifact("https://example.org", key="site"),
            create_progress_artifact(25, key="progress"),
            create_image_artifact("https://example.org/a.png", key="picture"),
        ]

    ids = report()

    assert all(isinstance(i, uuid.UUID) for i in ids)
    got = [
        Artifact.get(key)
        for key in ("report", "numbers", "site", "progress", "picture")
    ]
    assert [a.id for a in got if a] == ids
    assert [(a.type, a.data) for a in got if a] == [
        ("markdown", "# Report"),
        ("table", '[{"a": 1}]'),  # Prefect keeps a table as JSON text
        ("markdown", "[https://example.org](https://example.org)"),
        ("progress", 25.0),
        ("image", "https://example.org/a.png"),
    ]
    assert got[0] is not None
    assert got[0].description == "daily"
    assert got[0].flow_run_id == _only_record().id


def test_get_returns_a_keys_latest_version_and_none_for_an_unknown_key() -> None:
    @task
    def first() -> None:
        create_link_artifact(
            key="irregular-data", link="https://x.org/a.csv", description="## a"
        )

    @task
    def second() -> None:
        create_link_artifact(
            key="irregular-data", link="https://x.org/b.csv", link_text="B"
        )

    @flow
    def pipeline() -> None:
        first()
        second()

    pipeline()

    latest = Artifact.get("irregular-data")
    assert latest is not None
    assert latest.data == "[B](https://x.org/b.csv)"
    assert latest.description is None
    assert (
        len([a for a in _only_record().artifacts if a["key"] == "irregular-data"]) == 2
    )
    assert Artifact.get("never-made") is None


def test_the_typed_classes_create_what_the_functions_do() -> None:
    @flow
    def classes() -> list[ArtifactRecord]:
        return [
            MarkdownArtifact(key="m", markdown="**bold**").create(),
            TableArtifact(key="t", table={"x": [1.0, float("nan")]}).create(),
            LinkArtifact(key="l", link="https://e.org", link_text="E").create(),
            ProgressArtifact(key="p", progress=50).create(),
            ImageArtifact(key="i", image_url="https://e.org/i.png").create(),
            Artifact(key="c", type="custom", data={"a": 1}).create(),
        ]

    made = classes()

    assert [(a.key, a.type, a.data) for a in made] == [
        ("m", "markdown", "**bold**"),
        ("t", "table", '{"x": [1.0, null]}'),  # NaN becomes null, as in Prefect
        ("l", "markdown", "[E](https://e.org)"),
        ("p", "progress", 50.0),
        ("i", "image", "https://e.org/i.png"),
        ("c", "custom", '{"a": 1}'),
    ]
    assert made[0] == Artifact.get("m")


def test_get_or_create_creates_once_then_returns_the_stored_one() -> None:
    @flow
    def twice() -> tuple[tuple[ArtifactRecord, bool], tuple[ArtifactRecord, bool]]:
        return (
            Artifact.get_or_create("once", data=[1], type="custom"),
            Artifact.get_or_create("once", data=[2], type="custom"),
        )

    (made, created), (found, created_again) = twice()
    assert (created, created_again) == (True, False)
    assert found == made
    assert found.data == "[1]"


# -- progress ------------------------------------------------------------------------


def test_progress_is_updated_in_place_not_versioned() -> None:
    @task
    def fetch_in_batches() -> uuid.UUID:
        artifact_id = create_progress_artifact(0.0, key="batches", description="start")
        for i in range(1, 4):
            update_progress_artifact(artifact_id=artifact_id, progress=i * 25)
        update_progress_artifact(artifact_id, 100, description="done")
        return artifact_id

    @flow
    def etl() -> uuid.UUID:
        return fetch_in_batches()

    artifact_id = etl()

    (stored,) = _only_record().artifacts
    assert stored["id"] == str(artifact_id)
    assert (stored["data"], stored["description"]) == (100.0, "done")
    assert stored["task_run_id"] == _only_record().task_runs[0].id
    latest = Artifact.get("batches")
    assert latest is not None
    assert latest.data == 100.0


def test_a_progress_of_zero_is_stored_as_zero() -> None:
    @flow
    def starting() -> None:
        create_progress_artifact(0, key="zero")

    starting()
    assert _only_record().artifacts[0]["data"] == 0


def test_progress_outside_0_to_100_is_clamped_with_prefects_warnings(
    capfd: pytest.CaptureFixture[str],
) -> None:
    @flow
    def overshoot() -> uuid.UUID:
        return create_progress_artifact(150, key="over")

    overshoot()

    stored = Artifact.get("over")
    assert stored is not None
    assert stored.data == 100.0
    warned = [line for line in capfd.readouterr().err.splitlines() if "WARNING" in line]
    assert [line.split(" - ", 1)[1] for line in warned] == [
        "ProgressArtifact received an invalid value, Progress: 150.0%",
        "Interpreting as 100.0% progress",
    ]


def test_updating_an_unknown_id_names_it_and_the_fix() -> None:
    missing = uuid.UUID(int=0)
    with pytest.raises(ArtifactNotFoundError) as info:
        update_progress_artifact(missing, 10)
    assert str(info.value).startswith("Artifact not found. ")
    assert str(missing) in str(info.value)
    assert "create_progress_artifact" in str(info.value)
    assert isinstance(info.value, KeyError)


# -- keys and data ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["Bad_Key", "a b", "daily.report", "über"])
def test_a_key_breaking_prefects_rule_is_refused_with_prefects_sentence(
    key: str,
) -> None:
    @flow
    def keyed() -> None:
        create_markdown_artifact("x", key=key)

    with pytest.raises(InvalidArtifactKeyError) as info:
        keyed()
    message = str(info.value)
    assert message.startswith(
        "Artifact key must only contain lowercase letters, numbers, and dashes."
    )
    assert repr(key) in message
    assert "'daily-report'" in message
    assert isinstance(info.value, ValueError)  # Prefect's ValidationError is one


def test_the_typed_classes_check_the_key_when_made() -> None:
    with pytest.raises(InvalidArtifactKeyError):
        ProgressArtifact(key="UPPER", progress=1)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: create_markdown_artifact(5), "markdown"),  # type: ignore[arg-type]
        (lambda: create_progress_artifact("half"), "progress"),  # type: ignore[arg-type]
        (lambda: create_table_artifact("a,b"), "table"),  # type: ignore[arg-type]
        (lambda: create_image_artifact(None), "image_url"),  # type: ignore[arg-type]
    ],
)
def test_data_of_the_wrong_type_names_the_field_value_and_fix(make, field: str) -> None:
    @flow
    def bad() -> None:
        make()

    with pytest.raises(ArtifactDataError) as info:
        bad()
    assert f"{field}=" in str(info.value)
    assert f"Pass {field} as " in str(info.value)


# -- outside a run, async code -------------------------------------------------------


def test_an_artifact_outside_a_run_is_stored_without_one_with_prefects_warning() -> (
    None
):
    with pytest.warns(FutureWarning) as caught:
        artifact_id = create_table_artifact([["a", 1]], key="personalized-reachout")

    assert str(caught[0].message) == (
        "Artifact creation outside of a flow or task run is deprecated and will be "
        "removed in a later version."
    )
    assert caught[0].filename == __file__  # it points at the call
    stored = Artifact.get("personalized-reachout")
    assert stored is not None
    assert stored.id == artifact_id
    assert (stored.flow_run_id, stored.task_run_id) == (None, None)


def test_the_plain_names_return_their_async_twins_in_async_code() -> None:
    @flow
    async def async_flow() -> tuple[object, ...]:
        made = create_markdown_artifact("a", key="async-md")
        assert asyncio.iscoroutine(made)
        md_id = await made
        progress_id = await acreate_progress_artifact(10, key="async-progress")
        await aupdate_progress_artifact(progress_id, 60)
        image_id = await acreate_image_artifact("https://e.org/i.png")
        again = await acreate_markdown_artifact("b", key="async-md")
        latest = await Artifact.aget("async-md")
        record = await MarkdownArtifact(markdown="c").acreate()
        return md_id, again, latest, image_id, record

    md_id, again, latest, image_id, record = asyncio.run(async_flow())
    assert isinstance(md_id, uuid.UUID)
    assert isinstance(image_id, uuid.UUID)
    assert latest is not None
    assert (latest.id, latest.data) == (again, "b")
    assert isinstance(record, ArtifactRecord)
    assert record.data == "c"
    assert Artifact.get("async-progress").data == 60.0  # type: ignore[union-attr]


def test_no_warning_inside_a_run() -> None:
    @flow
    def quiet() -> None:
        create_image_artifact("https://e.org/i.png", key="gif")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet()


# -- secrets, the Prefect names ------------------------------------------------------


def test_a_secret_in_a_progress_description_or_an_image_url_is_masked() -> None:
    value = "tb-artifact-secret-4411"
    Secret(value=value).save("image-token")

    @flow
    def with_secret() -> None:
        token = Secret.load("image-token").get()
        create_image_artifact(f"https://cdn.example.org/a.png?token={token}", key="img")
        progress = create_progress_artifact(5, description=f"using {token}")
        update_progress_artifact(progress, 50, description=f"still {token}")
        LinkArtifact(link=f"https://x.org/{token}").create()

    with_secret()

    artifacts = _only_record().artifacts
    assert value not in json.dumps(artifacts)
    image = next(a for a in artifacts if a["type"] == "image")
    assert image["data"] == f"https://cdn.example.org/a.png?token={masking.MASK}"
    progress = next(a for a in artifacts if a["type"] == "progress")
    assert progress["description"] == f"still {masking.MASK}"
    stored = Artifact.get("img")
    assert stored is not None
    assert value not in stored.data


def test_every_public_name_is_in_prefect_artifacts_or_named_for_the_export() -> None:
    from taskbook import artifacts

    prefect_artifacts = pytest.importorskip("prefect.artifacts")
    unmapped = [
        name
        for name in artifacts.__all__
        if not hasattr(prefect_artifacts, name)
        and ("taskbook.artifacts", name) not in _MISSING
    ]
    assert unmapped == []
    missing_here = [
        name
        for name in dir(prefect_artifacts)
        if name.startswith(("create_", "acreate_", "update_", "aupdate_"))
        or name.endswith("Artifact")
        if not hasattr(artifacts, name)
    ]
    assert missing_here == []

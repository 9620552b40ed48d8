# From Prefect 3's documentation: docs/v3/how-to-guides/configuration/variables.mdx
# (section "Contextual Behavior", Synchronous), PrefectHQ/prefect at 24b3d363, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.

from prefect import flow
from prefect.variables import Variable

@flow(log_prints=True)
def space_mission_sync(mission_name: str):
    crew = Variable.get("crew_members", default=["Backup1", "Backup2"])
    print(f"Launching {mission_name} with crew: {', '.join(crew)}")

if __name__ == "__main__":
    Variable.set("crew_members", ["Zaphod", "Arthur", "Trillian"], overwrite=True)  # changed for the test: overwrite=True (one server serves every example)
    space_mission_sync("Mars Expedition")

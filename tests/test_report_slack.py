"""/culture report in Slack: only HR gets it, privately, as a summary plus the HTML file
uploaded with files_upload_v2 into their DM (an ephemeral message cannot carry a file)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.slack_support import ANA_ID, SlackRig, start_fake, start_rig

HANA_ID = "U0HANA005"


@pytest.fixture
async def rig(database_url: str) -> AsyncIterator[SlackRig]:
    fake: FakeSlack = await start_fake()
    fake.add_user(HANA_ID, "Hana Sato", "hana.sato@example.com")
    rig = await start_rig(database_url, fake)
    yield rig
    await rig.close()
    await fake.stop()


async def test_hr_gets_the_report_file_in_their_dm_and_others_are_refused(rig: SlackRig) -> None:
    status, _ = await rig.command("/kudos", "<@U0BEN0002> thanks for the report data")
    assert status == 200
    await rig.settle()
    status, _ = await rig.command("/culture", "report 2026-11", user_id=HANA_ID)
    assert status == 200
    await rig.until(lambda: bool(rig.fake.called("files.completeUploadExternal")))
    complete = rig.fake.called("files.completeUploadExternal")[0]
    assert complete["channel_id"] == "D" + HANA_ID[1:]
    assert "2026" in complete["initial_comment"]
    files = json.loads(complete["files"]) if isinstance(complete["files"], str) else complete["files"]
    uploaded = rig.fake.files[files[0]["id"]]["content"].decode()
    assert uploaded.lstrip().lower().startswith("<!doctype html") and "<svg" in uploaded
    # In the channel Hana typed in, only a pointer to her DM: no file, no link.
    await rig.until(lambda: any(p["user"] == HANA_ID for p in rig.fake.called("chat.postEphemeral")))
    pointers = [p for p in rig.fake.called("chat.postEphemeral") if p["user"] == HANA_ID]
    assert [p["text"] for p in pointers] == ["I've sent you a private message with the culture report for 2026-11."]
    assert "/reports/" not in json.dumps(pointers)

    status, _ = await rig.command("/culture", "report 2026-11", user_id=ANA_ID)
    await rig.until(lambda: "HR" in rig.fake.called("chat.postEphemeral")[-1]["text"])
    assert rig.fake.called("chat.postEphemeral")[-1]["user"] == ANA_ID
    assert len(rig.fake.called("files.completeUploadExternal")) == 1

"""The one clock (clock.py): China time whatever the server's zone, XIAOE_NOW, and the fake-clock CI step.

The real-clock tests run with ``XIAOE_NOW`` unset. Under the CI's fake-clock step (.ci/run, settings in
.ci/fake-clock.env) ``XIAOE_EXPECT_CHINA_DATE`` holds the China date of the faked moment, which differs
from the server's local date and from the UTC date there, and the clock must give exactly that date.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import clock
from tests.conftest import PYTHON, ROOT, TODAY

FAKE_CLOCK_ENV = ROOT / ".ci" / "fake-clock.env"


def fake_clock_settings() -> dict[str, str]:
    """The CI step's time zone, start time and China date, as .ci/run reads them."""
    words = shlex.split(FAKE_CLOCK_ENV.read_text(encoding="utf-8"), comments=True)  # KEY=value, as bash reads it
    return dict(word.partition("=")[::2] for word in words)


@pytest.fixture
def real_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clock on the system time: XIAOE_NOW unset for this test, read again afterwards."""
    monkeypatch.delenv(clock.ENV_VAR, raising=False)
    clock.reset()
    yield
    clock.reset()


def china_date_from_epoch(seconds: float) -> date:
    """China's date from POSIX seconds, computed without time zones: UTC+8 is 8 × 3600 s ahead."""
    return date(1970, 1, 1) + timedelta(days=int((seconds + 8 * 3600) // 86400))


def test_xiaoe_now_fixes_the_start_of_the_clock() -> None:
    assert clock.today() == TODAY
    start = clock.now()
    assert start.utcoffset() == timedelta(hours=8) and start.date() == TODAY and start.hour == 10
    assert clock.now() >= start  # it runs on


def test_parse_start_forms() -> None:
    assert clock.parse_start("2026-11-22") == datetime(2026, 11, 22, 10, tzinfo=clock.CHINA)
    assert clock.parse_start("2026-11-22T23:59:30") == datetime(2026, 11, 22, 23, 59, 30, tzinfo=clock.CHINA)
    assert clock.parse_start("2026-11-22T16:00:00+00:00").astimezone(clock.CHINA).date() == date(2026, 11, 23)
    with pytest.raises(clock.ClockError):
        clock.parse_start("next tuesday")


def test_china_date_of_stored_stamps() -> None:
    assert clock.china_date("2027-12-31T16:00:00.000+00:00") == date(2028, 1, 1)
    assert clock.china_date("2027-12-31T15:59:59.999") == date(2027, 12, 31)  # naive = UTC


def test_use_installs_a_clock_for_a_block() -> None:
    moment = datetime(2027, 12, 31, 17, 30, tzinfo=UTC)
    with clock.use(lambda: moment):
        assert clock.today() == date(2028, 1, 1) and clock.now_iso() == "2027-12-31T17:30:00.000+00:00"
    assert clock.today() == TODAY


def test_one_instant_holds_the_moment_for_its_block_and_thread() -> None:
    import threading

    moments = iter([datetime(2027, 12, 31, 17, 30, tzinfo=UTC), datetime(2027, 12, 31, 17, 30, 5, tzinfo=UTC),
                    datetime(2027, 12, 31, 17, 31, tzinfo=UTC)])
    with clock.use(lambda: next(moments)), clock.one_instant():
        assert clock.now() == datetime(2028, 1, 1, 1, 30, tzinfo=clock.CHINA) == clock.now()
        assert clock.now_iso() == "2027-12-31T17:30:00.000+00:00" == clock.now_iso()
        assert clock.now_utc() == datetime(2027, 12, 31, 17, 30, tzinfo=UTC) and clock.today() == date(2028, 1, 1)
        seen: list[str] = []
        worker = threading.Thread(target=lambda: seen.append(clock.now_iso()))
        worker.start()
        worker.join()
        assert seen == ["2027-12-31T17:30:05.000+00:00"]  # another thread reads its own clock
        assert clock.now_iso() == "2027-12-31T17:30:00.000+00:00"
    with clock.use(lambda: datetime(2027, 12, 31, 17, 31, tzinfo=UTC)):
        assert clock.now_iso() == "2027-12-31T17:31:00.000+00:00"  # after the block the clock runs on


def test_the_real_clock_gives_china_dates(real_clock: None) -> None:
    before = china_date_from_epoch(time.time())
    today = clock.today()
    assert today in {before, china_date_from_epoch(time.time())}  # (unless midnight passed in between)
    expected = os.environ.get("XIAOE_EXPECT_CHINA_DATE")
    if expected:  # the fake-clock CI step: the faked moment's China date, not the local or the UTC one
        assert today == date.fromisoformat(expected)
        assert today != datetime.now().date() and today != datetime.now(UTC).date()


def test_the_real_clock_ignores_the_time_zone(real_clock: None) -> None:
    script = "import clock; print(clock.today().isoformat())"
    env = {k: v for k, v in os.environ.items() if k != clock.ENV_VAR}
    before = china_date_from_epoch(time.time())
    # 26 hours apart: the local dates of these zones always differ, the China date never does.
    days = {subprocess.run([PYTHON, "-c", script], cwd=ROOT, env={**env, "TZ": zone}, capture_output=True,
                           text=True, check=True).stdout.strip() for zone in ["Etc/GMT+12", "Etc/GMT-14", "UTC"]}
    after = china_date_from_epoch(time.time())
    if before == after:  # (midnight in China did not pass during the three runs)
        assert days == {before.isoformat()}


PLANTED = '''
from datetime import date

import clock


def deadline_start():
    return {source}


def test_planted():
    assert deadline_start() == clock.today()
'''


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("faketime") is None, reason="libfaketime not installed (.ci/run installs it)")
@pytest.mark.parametrize(("source", "caught"), [("date.today()", True), ("clock.today()", False)])
def test_the_fake_clock_step_catches_a_planted_date_today(tmp_path: Path, source: str, caught: bool) -> None:
    """The CI step, run on a planted test: code reading the server's date fails there, the clock passes."""
    (tmp_path / "test_planted.py").write_text(PLANTED.format(source=source), encoding="utf-8")
    settings = fake_clock_settings()
    env = {**os.environ, "TZ": settings["FAKE_CLOCK_TZ"], "XIAOE_NOW": TODAY.isoformat(),
           "PYTHONPATH": str(ROOT)}
    command = ["faketime", settings["FAKE_CLOCK_AT"], PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--rootdir", str(tmp_path), str(tmp_path / "test_planted.py")]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert (done.returncode == 1) is caught, done.stdout + done.stderr
    assert (done.returncode == 0) is not caught


def test_the_fake_moment_is_across_every_date_line() -> None:
    """The settings themselves: local, UTC and China dates of the faked moment are not all one date."""
    settings = fake_clock_settings()
    local = datetime.fromisoformat(settings["FAKE_CLOCK_AT"])
    offset = -int(settings["FAKE_CLOCK_TZ"].removeprefix("Etc/GMT"))  # POSIX: Etc/GMT+12 is UTC-12
    utc = local - timedelta(hours=offset)
    china = (utc + timedelta(hours=8)).date()
    assert china == date.fromisoformat(settings["FAKE_CLOCK_CHINA_DATE"])
    assert china != local.date() and china != utc.date() and china.year != local.year

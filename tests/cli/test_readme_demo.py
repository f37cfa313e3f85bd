"""The README's main job: install, then ``hotspots demo`` with no setup and no network.

The demo runs once, in-process, with ``HOTSPOTS_DATA_DIR`` unset, an empty boundary cache and
a socket guard that fails any network connection (the boundaries ship inside the package).
The README's example output must be what the demo prints, so it cannot go stale.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

import hotspots.io.boundaries as bmod
from hotspots.cli import main

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(bmod.DATA_DIR_ENV, raising=False)
        mp.setenv(bmod.CACHE_DIR_ENV, str(out / "empty-cache"))
        for target, name in ((socket.socket, "connect"), (socket.socket, "connect_ex"),
                             (socket, "create_connection"), (socket, "getaddrinfo")):
            mp.setattr(target, name, no_network)
        import contextlib
        import io

        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            code = main(["demo", "--out", str(out / "hotspots-demo")])
    return {"code": code, "printed": stdout.getvalue(), "out": out / "hotspots-demo"}


def test_demo_runs_offline_with_no_setup(demo):
    assert demo["code"] == 0
    assert "bradford-2013" in demo["printed"]
    assert (demo["out"] / "map_committee_public.html").is_file()
    assert not (demo["out"] / "empty-cache").exists()


def _readme_block() -> list[str]:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"It prints a summary such as:\s*```[a-z]*\n(.*?)```", text, flags=re.S)
    assert found, "README.md has no example of the demo's output after 'It prints a summary'"
    return [line.rstrip() for line in found.group(1).splitlines() if line.strip()]


def test_readme_example_is_what_the_demo_prints(demo):
    printed = [line.rstrip() for line in demo["printed"].splitlines()]
    block = _readme_block()
    # every README line is a line of the output, in the same order
    pos = 0
    for line in block:
        assert line in printed[pos:], (
            f"README.md's demo output is stale: {line!r} is not printed (in this order). "
            "Paste the demo's summary instead:\n" + "\n".join(printed))
        pos = printed.index(line, pos) + 1

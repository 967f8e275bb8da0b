"""The note through which the next command finds the kept local server is written only once the
new server can be recognised by its command line (flows/entry.py)."""

from __future__ import annotations

from newsetl_flows import entry


class _Starting:
    """A server process that is running and not yet recognisable for its first few looks."""

    def poll(self) -> None:
        return None


def test_the_note_waits_until_the_new_server_can_be_recognised(monkeypatch, tmp_path):
    looks = {"count": 0}

    def recognisable(pid: int) -> bool:
        looks["count"] += 1
        return pid == 4242 and looks["count"] > 3  # /proc/PID/cmdline empty at first

    def spawn(self) -> None:
        self.process, self.pid, self.port = _Starting(), 4242, 50123

    written = []

    def write(note, pid, port) -> None:
        written.append((pid, port, entry._is_local_server(pid)))

    monkeypatch.setattr(entry, "_is_local_server", recognisable)
    monkeypatch.setattr(entry.LocalServer, "_spawn", spawn)
    monkeypatch.setattr(entry, "_write_note", write)
    monkeypatch.setattr(entry, "state_file", lambda: tmp_path / "prefect-server-x.json")
    monkeypatch.setattr(entry, "keep_minutes", lambda: 15.0)
    entry.LocalServer()._find_or_spawn()
    assert written == [(4242, 50123, True)]

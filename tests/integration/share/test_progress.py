"""The progress board: docker's bar text, row order, status-change lines (no privileges needed)."""

from __future__ import annotations

import threading

from dockyard.registry.progress import BAR_WIDTH, Board, bar, short_id


def test_bar_matches_docker() -> None:
    assert bar(12_300_000, 45_600_000) == "[" + "=" * 13 + ">" + " " * (BAR_WIDTH - 13) + "]   12.3MB/45.6MB"
    assert bar(45_600_000, 45_600_000) == "[" + "=" * 50 + ">]   45.6MB"
    assert bar(0, 10) == "[>" + " " * 50 + "]       0B/10B"
    assert bar(2_000_000, 1_000_000).startswith("[" + "=" * 50 + ">]")
    assert bar(123, 0) == "    123B"


def test_board_rows_and_change_lines() -> None:
    seen: list[str] = []
    board = Board(on_change=seen.append)
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    assert short_id(a) == "a" * 12
    board.set_status(a, "Pulling fs layer")
    board.set_status(b, "Already exists")
    board.set_progress(a, "Downloading", 5, 10)
    board.set_progress(a, "Downloading", 6, 10)
    board.set_status(a, "Download complete")
    board.set_status(a, "Download complete")
    lines = board.lines()
    assert lines == ["a" * 12 + ": Download complete", "b" * 12 + ": Already exists"]
    assert seen == ["a" * 12 + ": Pulling fs layer", "b" * 12 + ": Already exists", "a" * 12 + ": Download complete"]
    board.set_progress(b, "Extracting", 1, 2)
    assert board.lines()[1].startswith("b" * 12 + ": Extracting [" + "=" * 25 + ">")


def test_board_is_thread_safe() -> None:
    board = Board()

    def work(n: int) -> None:
        for i in range(200):
            board.set_progress(f"sha256:{n:x}" * 1 + "0" * 63, "Downloading", i, 200)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(board.lines()) == 8 and board.version == 1600

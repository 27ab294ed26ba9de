"""Senders hand the day's messages to a channel. The default writes an outbox file per run (JSON lines)
that an SMS gateway or WeCom bridge picks up; real gateways are adapters with the same two methods."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from core.settings import DATA_DIR


@dataclass(frozen=True)
class OutboundMessage:
    """One message ready to go: the touch it belongs to, where it goes and what it says."""

    touch_id: int
    member_id: int
    step_id: int
    channel: str
    to: str | None
    text: str


class Sender(Protocol):
    """A channel adapter: accepts messages and returns the touch ids it took."""

    name: str

    def send(self, messages: list[OutboundMessage], on: date) -> list[int]:
        """Hand messages over; return the touch ids accepted (the rest are marked failed)."""
        ...


class FileOutbox:
    """Writes each run's messages to `<dir>/outbox-YYYY-MM-DD-<n>.jsonl` (atomically) and accepts them all."""

    name = "file"

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory else DATA_DIR / "outbox"

    def send(self, messages: list[OutboundMessage], on: date) -> list[int]:
        """Write the messages to a new outbox file and accept every one."""
        if not messages:
            return []
        self.directory.mkdir(parents=True, exist_ok=True)
        n = 1
        while (self.directory / f"outbox-{on.isoformat()}-{n}.jsonl").exists():
            n += 1
        final = self.directory / f"outbox-{on.isoformat()}-{n}.jsonl"
        partial = final.with_suffix(".part")
        with partial.open("w", encoding="utf-8") as out:
            for message in messages:
                out.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")
        os.replace(partial, final)
        return [m.touch_id for m in messages]


class MemorySender:
    """Keeps messages in memory (tests, previews); may refuse chosen touch ids to simulate failures."""

    name = "memory"

    def __init__(self, refuse: set[int] | None = None) -> None:
        self.sent: list[OutboundMessage] = []
        self.refuse = refuse or set()

    def send(self, messages: list[OutboundMessage], on: date) -> list[int]:
        """Keep the messages; accept all but the refused ids."""
        self.sent.extend(messages)
        return [m.touch_id for m in messages if m.touch_id not in self.refuse]


def default_sender() -> Sender:
    """The file outbox under data/outbox, or under CARELOOP_OUTBOX_DIR when set."""
    return FileOutbox(os.environ.get("CARELOOP_OUTBOX_DIR") or None)

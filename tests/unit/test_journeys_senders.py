"""The file outbox and the gateway export reader, without a database."""

import json
from datetime import date, datetime

from core.journeys.events import read_events
from core.journeys.senders import FileOutbox, MemorySender, OutboundMessage


def _message(touch_id):
    return OutboundMessage(touch_id, 7, 3, "sms", "+8613800000000", "王芳您好")


def test_file_outbox_writes_one_new_file_per_batch_and_accepts_all(tmp_path):
    outbox = FileOutbox(tmp_path)
    assert outbox.send([_message(1), _message(2)], date(2026, 3, 2)) == [1, 2]
    assert outbox.send([_message(3)], date(2026, 3, 2)) == [3]
    assert outbox.send([], date(2026, 3, 2)) == []
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["outbox-2026-03-02-1.jsonl", "outbox-2026-03-02-2.jsonl"]
    first = [json.loads(line) for line in (tmp_path / files[0]).read_text(encoding="utf-8").splitlines()]
    assert first[0] == {"touch_id": 1, "member_id": 7, "step_id": 3, "channel": "sms", "to": "+8613800000000",
                        "text": "王芳您好"}


def test_memory_sender_can_refuse_touches():
    sender = MemorySender(refuse={2})
    assert sender.send([_message(1), _message(2)], date(2026, 3, 2)) == [1]
    assert len(sender.sent) == 2


def test_gateway_csv_export_is_read_with_offsets_converted_to_utc(tmp_path):
    export = tmp_path / "events.csv"
    export.write_text("touch_id,event,at\n"
                      "5,delivered,2026-03-02T09:30:00+08:00\n"
                      "5,Opened,2026-03-02T02:00:00Z\n"
                      "x,opened,2026-03-02T02:00:00\n"
                      "6,bounced,2026-03-02T02:00:00\n"
                      "7,replied,not a time\n", encoding="utf-8")
    rows, bad = read_events(export)
    assert rows == [(5, "delivered", datetime(2026, 3, 2, 1, 30)), (5, "opened", datetime(2026, 3, 2, 2, 0))]
    assert bad == 3

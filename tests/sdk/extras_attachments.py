"""SDK compatibility: attachments on traces and spans, with the real Opik SDK.

Uploads go through the SDK's background queue (upload-start, then the chunked PUT to the URL
the server returns); reading back uses the SDK's attachment client (list + download by link).
Run by tests/server_sdk_extras.rs with OPIK_URL_OVERRIDE and SDK_TEST_PROJECT set.
"""

import os
import sys
import tempfile

import opik
from opik import Attachment

PROJECT = os.environ["SDK_TEST_PROJECT"]


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def main():
    client = opik.Opik(project_name=PROJECT)
    tmp = tempfile.mkdtemp()
    text_path = os.path.join(tmp, "notes.txt")
    with open(text_path, "w") as f:
        f.write("attachment body ✓\n" * 100)
    blob = bytes(range(256)) * 4000  # ~1 MB of binary
    blob_path = os.path.join(tmp, "blob.bin")
    with open(blob_path, "wb") as f:
        f.write(blob)

    trace = client.trace(
        name="with-attachments",
        input={"q": "x"},
        attachments=[Attachment(data=text_path, content_type="text/plain")],
    )
    span = trace.span(
        name="tool",
        type="tool",
        attachments=[Attachment(data=blob_path, file_name="data.bin", content_type="application/octet-stream")],
    )
    span.end()
    trace.end()
    client.flush()

    ac = client.get_attachment_client()
    tl = ac.get_attachment_list(project_name=PROJECT, entity_id=trace.id, entity_type="trace")
    check([a.file_name for a in tl] == ["notes.txt"], f"trace attachments {[a.file_name for a in tl]}")
    expected_text = open(text_path, "rb").read()
    check(tl[0].file_size == len(expected_text), f"file_size {tl[0].file_size} != {len(expected_text)}")
    check(tl[0].mime_type == "text/plain", f"mime {tl[0].mime_type}")
    got = b"".join(
        ac.download_attachment(
            project_name=PROJECT, entity_type="trace", entity_id=trace.id, file_name="notes.txt", mime_type="text/plain"
        )
    )
    check(got == expected_text, "downloaded text differs")

    sl = ac.get_attachment_list(project_name=PROJECT, entity_id=span.id, entity_type="span")
    check([a.file_name for a in sl] == ["data.bin"], f"span attachments {[a.file_name for a in sl]}")
    got = b"".join(
        ac.download_attachment(
            project_name=PROJECT,
            entity_type="span",
            entity_id=span.id,
            file_name="data.bin",
            mime_type="application/octet-stream",
        )
    )
    check(got == blob, f"downloaded blob differs ({len(got)} vs {len(blob)} bytes)")
    print("OK attachments")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)

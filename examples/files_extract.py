"""Files: extract a document's text and ask about it; list and delete what you uploaded."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _client import kimi_client

from kimi_openai import FileExtractionError
from kimi_openai.lib import extracted_file_messages

client = kimi_client(__file__)

with tempfile.TemporaryDirectory() as folder:
    report = Path(folder) / "q3-report.md"
    report.write_text("# Q3 report\n\nRevenue grew 12% to 4.2 million; costs fell 3%.\n")
    try:
        # Upload with purpose "file-extract" (checked first: purpose, extension, size) and
        # download the text Moonshot extracted.
        extracted = client.files.extract(report)
    except FileExtractionError as error:
        raise SystemExit(f"could not extract {report.name}: {error.status_details}") from error

print(f"extracted {extracted.filename} ({extracted.file_type}): {extracted.content!r}")

# Moonshot's advice: one system message per file, before the question.
completion = client.chat.completions.create(
    model="kimi-k2.6",
    messages=[
        *extracted_file_messages(extracted),
        {"role": "user", "content": "By how much did revenue grow?"},
    ],
)
print("answer:", completion.choices[0].message.content)

print("files on the account:", [f.filename for f in client.files.list()])
client.files.delete(extracted.file_id)  # files count against the 1,000-file limit
print("deleted", extracted.file_id)

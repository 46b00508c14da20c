"""The one way a file is handed to the browser."""

from io import BytesIO
from pathlib import PurePath
from typing import IO

from django.http import FileResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"  # the 通报
CONTENT_TYPES = {".xlsx": XLSX_TYPE, ".csv": "text/csv; charset=utf-8", ".docx": DOCX_TYPE}


def attachment(content: bytes | IO[bytes], file_name: str) -> FileResponse:
    """An attachment of the type its name says; the name may be Chinese (RFC 6266 ``filename*=UTF-8''``)."""
    handle = BytesIO(content) if isinstance(content, bytes) else content
    if handle.seekable():
        handle.seek(0)
    content_type = CONTENT_TYPES[PurePath(file_name).suffix.lower()]
    return FileResponse(handle, as_attachment=True, filename=file_name, content_type=content_type)

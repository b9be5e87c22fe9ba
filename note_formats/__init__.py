"""note_formats: SOAP, DAP, BIRP, GIRP and process-recording drafts, grounded in the transcript, editable, exportable.

    draft = build_draft("soap", transcript, annotations, DraftOptions(client_id="C-104"))
    assert not check_grounding(draft, transcript)
    edit_item(draft, "plan-1", "Homework: sleep diary every night this week.")
    export(draft, "note.docx")

Formats are registered in ``registry.py``. SOAP, DAP, BIRP, GIRP and an agency's own
layouts are template files (``template_file.py``, ``templates.py``: TOML in ``builtin_templates/`` or the
user's template folder); a format that needs code (the process recording) is a
module decorated with ``@register_format`` and listed in ``BUILTIN_FORMAT_MODULES``.
"""

import scribe  # noqa: F401  (first: it keeps onnxruntime from phoning home)
from note_formats.common import STYLES, DraftOptions, Material
from note_formats.editing import (
    accept_item,
    add_item,
    carry_edits,
    delete_item,
    edit_field,
    edit_item,
    find_item,
    restore_item,
)
from note_formats.export import RENDERERS, WRITERS, export
from note_formats.grounding import GroundingProblem, check_faithfulness, check_grounding
from note_formats.registry import (
    FORMATS,
    NoteFormat,
    build_draft,
    get_format,
    load_builtin_formats,
    register_format,
)
from note_formats.render import render_markdown, render_text

load_builtin_formats()

__all__ = [
    "FORMATS",
    "RENDERERS",
    "STYLES",
    "WRITERS",
    "DraftOptions",
    "GroundingProblem",
    "Material",
    "NoteFormat",
    "accept_item",
    "add_item",
    "build_draft",
    "carry_edits",
    "check_faithfulness",
    "check_grounding",
    "delete_item",
    "edit_field",
    "edit_item",
    "export",
    "find_item",
    "get_format",
    "load_builtin_formats",
    "register_format",
    "render_markdown",
    "render_text",
    "restore_item",
]

"""Well-formedness of configuration XML, with no DTD and no entity declarations.

Phones upload override and contact files. These get parsed again here and by other tools,
so a document type declaration (the vehicle of entity expansion and external entities) is
refused outright, like defusedxml does. Only the five predefined entities and character
references remain.
"""

from __future__ import annotations

from typing import NoReturn
from xml.parsers import expat


class _Forbidden(Exception):
    pass


def _forbid(*_args: object) -> NoReturn:
    raise _Forbidden


def is_well_formed(data: bytes) -> bool:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Forbidden):
        return False
    return True

"""What the XML writers (TCX, GPX) share: an element with its text, and the document's bytes."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """A new child `tag` of `parent`, holding `text` when given."""
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def document(root: ET.Element) -> bytes:
    """`root` as an indented UTF-8 document with its XML declaration."""
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")

"""Rendering shared by every app: Typst PDF, DOCX from a Word template, XLSX workbooks and QR codes.

Apps keep their own templates (`<app>/typst/*.typ`, uploaded `.docx`); this package only knows how to turn a
template plus plain data (dicts, lists, strings, numbers) into bytes. See docs/documents.md.
"""

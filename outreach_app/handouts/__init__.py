"""Printable QR-coded handouts: content, tokens, QR drawing and PDF rendering."""

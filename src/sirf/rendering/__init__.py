"""Rendering: template Markdown to plain text and safe HTML, and sandboxed installation overrides."""

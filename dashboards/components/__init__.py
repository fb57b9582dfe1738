"""Shared building blocks of the pages: formatting, filters, charts, entry forms and lists."""

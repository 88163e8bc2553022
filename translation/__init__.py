"""The Korean edition: the English prose split into messages (markdown_messages), kept in gettext
catalogs and written out as the Korean book in ko/ (catalogs; run as ``python -m translation``,
`make translations`)."""

"""Languages: locale resolution, gettext catalogs, rendering, extraction and checks.

The only package that imports babel. Split by purpose: ``locales`` (which languages, and
guessing one from Telegram's language code), ``catalog`` (reading translations), ``render``
(turning the engine's texts into strings in a language), ``extract`` (the Babel extractor for
flow files), ``tools`` (extract, update, compile, check).
"""

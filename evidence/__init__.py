"""The evidence vault (roadmap): content-addressed evidence files, text extraction, integrity and expiry.

Nothing lives here yet; the package exists so the layout matches the design and later
work has its home. Like importers/ and exporters/, it may use kb, never the other way.
"""

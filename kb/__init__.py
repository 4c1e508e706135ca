"""evidence-kb: an audit-evidence knowledge base and security-questionnaire assistant."""

__version__ = "0.1.0"

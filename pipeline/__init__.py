"""nianbao: Chinese government information-disclosure annual reports → DuckDB."""

__version__ = "0.1.0"

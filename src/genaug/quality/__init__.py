"""genaug.quality."""

"""genaug.train."""
